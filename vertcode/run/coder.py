"""Coding notes: the pipeline and the mapper together, for one note or a stream of them.

A note that cannot be read or coded gets its reason in `errors`; it never stops the others.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from vertcode import patterns as pattern_files
from vertcode.claims.claim import ClaimOptions, build_claim, claim_value_problem
from vertcode.coding import code_note
from vertcode.model import Extraction, Flag, NoteResult
from vertcode.read.files import read_notes
from vertcode.read.text import DEFAULT_MAX_BYTES, Note, NoteError, NoteSource
from vertcode.run.timing import NoteTimeout, time_limit
from vertcode.version import __version__

#: New strings the pipeline may learn before it is built afresh. spaCy keeps every string it has
#: seen (about ten per note: names, MRNs, dates), so a long batch would grow by ~4 KB a note; a
#: new pipeline (half a second) every few thousand notes keeps memory flat. Results do not depend
#: on what the vocabulary has seen: batches give the same bytes whatever the number of processes.
STRING_BUDGET = 50_000

#: Notes the pipeline reads together, component by component (see `Coder.code_notes`).
PIPE_NOTES = 32


class Coder:
    """Builds the pipeline once and codes any number of notes with it, in flat memory.

    `verbose` puts an internal error's own message in the result; by default only its type is
    given, since a library's message may quote the note, and notes are patient data.

    `timeout` (seconds, None for none) bounds the time to code one note: past it the note gets
    an error and the next is coded. It is a SIGALRM timer, so it works only in a process's main
    thread on Unix (elsewhere there is no limit), and interrupts Python code only, not a
    library's compiled loop (which is why the tokenizer is kept linear).
    """

    def __init__(
        self,
        patterns_dir: str | Path | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        verbose: bool = False,
        timeout: float | None = None,
        claims: ClaimOptions | None = None,
    ):
        self._patterns = pattern_files.load(patterns_dir)
        self.patterns_dir = patterns_dir
        #: What the user says of the claims: date of service, payer, state, charge lines.
        self.claims = claims or ClaimOptions()
        #: Stamped on every result, so a result says which vertcode and which rules produced it.
        self.producer = {"vertcode": __version__, "patterns": pattern_files.fingerprint(patterns_dir)}
        self.nlp = self._build()
        self.descriptions = pattern_files.load_descriptions(patterns_dir)
        self.max_bytes = max_bytes
        self.verbose = verbose
        self.timeout = timeout

    def _build(self):
        from vertcode.nlp.gate import Gate
        from vertcode.nlp.pipeline import build

        nlp = build(loaded=self._patterns)
        self._string_limit = len(nlp.vocab.strings) + STRING_BUDGET
        #: Made before the pipeline codes a note (see Gate).
        self.gate = Gate(nlp)
        return nlp

    def code_text(self, text: str, name: str = "-") -> NoteResult:
        """Code a text held in memory."""
        return self.code_note(Note(name, text, hashlib.sha256(text.encode("utf-8")).hexdigest()))

    def code_sources(self, sources: Iterable[NoteSource]) -> Iterator[NoteResult]:
        """Read and code each note; an unreadable source yields a result carrying its error."""
        for source in sources:
            for _, result in self.read_and_code(source):
                yield result

    def read_and_code(self, source: NoteSource) -> list[tuple[Note | None, NoteResult]]:
        """Each note of a source as read (None when it cannot be) with its result."""
        return self.read_and_code_all([source])[0]

    def read_and_code_all(self, sources: Iterable[NoteSource]) -> list[list[tuple[Note | None, NoteResult]]]:
        """`read_and_code` of each source, the notes of all of them coded together (`code_notes`)."""
        read: list[list[Note] | NoteResult] = []
        for source in sources:
            try:
                read.append(read_notes(source, self.max_bytes))
            except NoteError as exc:
                read.append(self.not_coded(source, exc.reason))
        results = iter(self.code_notes([note for notes in read if isinstance(notes, list) for note in notes]))
        return [
            [(None, notes)] if isinstance(notes, NoteResult) else [(note, next(results)) for note in notes]
            for notes in read
        ]

    def not_coded(self, source: NoteSource, reason: str) -> NoteResult:
        """The result of a note that could not be read or coded: `reason` is its error."""
        return NoteResult(note=source.name, errors=[reason], id=source.id, producer=self.producer)

    def _options_of(self, note: Note, result: NoteResult) -> ClaimOptions:
        """The claim options with what the note's table row says over them; a value the row
        cannot mean is reported in the result's errors, and the option given for all is kept."""
        given: dict[str, Any] = {}
        for column, value in note.claim:
            problem = claim_value_problem(column, value)
            if problem:
                result.errors.append(f"column {column}: {problem}")
            else:
                given[column] = value.upper() if column == "state" else value
        return replace(self.claims, **given) if given else self.claims

    def _charges_key(self, note: Note) -> str:
        """The key the user's charge lines use for this note: its id, its name, or its file name."""
        for key in (None if note.id is None else str(note.id), note.name, Path(note.name).name):
            if key is not None and key in self.claims.charges:
                return key
        return note.name

    def code_note(self, note: Note) -> NoteResult:
        return self.code_notes([note])[0]

    def code_notes(self, notes: Sequence[Note]) -> list[NoteResult]:
        """The notes' results, in order, each note's failure or timeout its own.

        The pipeline runs over up to `PIPE_NOTES` notes at a time component by component, as
        spaCy's `nlp.pipe` does: each component's code and data stay in the processor's caches
        (1.2x over note by note). The results are those of coding each note alone.
        """
        results: list[NoteResult] = []
        for first in range(0, len(notes), PIPE_NOTES):
            results += self._code_group(notes[first : first + PIPE_NOTES])
        return results

    def _code_group(self, notes: Sequence[Note]) -> list[NoteResult]:
        results = [
            NoteResult(note=n.name, sha256=n.sha256, id=n.id, extractor=n.extractor, producer=self.producer)
            for n in notes
        ]
        steps = _Steps(self.timeout, self.verbose)
        extractions: dict[int, Extraction] = {}
        reading: dict[int, Any] = {}  # a note's text, then its Doc, while the pipeline reads it
        for k, note in enumerate(notes):
            if steps.timed_out:
                break
            if not note.text.strip():
                results[k].flags.append(Flag("empty-note", "The note is empty: nothing to code."))
                steps.done.add(k)
                continue
            passes = steps.run(k, results[k], self.gate.passes, note.text)
            if passes is True:
                reading[k] = note.text
            elif passes is False:
                # The rulers can find nothing of ours in it: its extraction is the empty one the
                # pipeline would give it (vertcode.nlp.gate).
                extractions[k] = Extraction()
        for component in [self.nlp.make_doc, *(proc for _, proc in self.nlp.pipeline)]:
            for k, given in list(reading.items()):
                if steps.timed_out:
                    break
                reading[k] = steps.run(k, results[k], component, given)
                if reading[k] is FAILED:
                    del reading[k]
        if not steps.timed_out:
            extractions.update((k, doc._.extraction) for k, doc in reading.items())
        for k in sorted(extractions):
            if steps.timed_out:
                break
            steps.run(k, results[k], self._finish, notes[k], extractions[k], results[k])
            steps.done.add(k)
        if steps.timed_out or len(self.nlp.vocab.strings) > self._string_limit:
            del self.nlp  # freed, with all it learned, before the new one is built
            gc.collect()
            _give_back_free_memory()
            self.nlp = self._build()
        if steps.timed_out:
            # Stopped anywhere, no component's state is trusted: the notes of the group not yet
            # done are coded again, one at a time, by the pipeline built afresh.
            for k in sorted(set(range(len(notes))) - steps.done):
                results[k] = self._code_group([notes[k]])[0]
        return results

    def _finish(self, note: Note, extraction: Extraction, result: NoteResult) -> None:
        """The codes and the claim from the note's extraction, into its result."""
        result.findings = extraction.findings
        result.codes, result.flags = code_note(extraction, self.descriptions)
        result.claim, payer_flags = build_claim(
            result.codes,
            extraction.findings,
            extraction.claim_text,
            options=self._options_of(note, result),
            note=self._charges_key(note),
            patterns_dir=self.patterns_dir,
        )
        result.flags += payer_flags


#: What `_Steps.run` gives for a step that failed.
FAILED = object()


class _Steps:
    """Runs each step of coding a note inside the note's time limit (the time its earlier steps
    took counts against it) and turns its failure into the note's error."""

    def __init__(self, timeout: float | None, verbose: bool):
        self.timeout = timeout
        self.verbose = verbose
        self.spent: dict[int, float] = {}
        self.timed_out = False
        #: Notes whose result is final: finished, or failed with their error.
        self.done: set[int] = set()

    def run(self, k: int, result: NoteResult, step: Callable[..., Any], *given: Any) -> Any:
        """`step(*given)` for note `k`, or `FAILED` (and `result` then holds only the error)."""
        left = None if self.timeout is None else self.timeout - self.spent.get(k, 0.0)
        start = time.perf_counter()
        try:
            if left is not None and left <= 0:
                raise NoteTimeout
            with time_limit(left):
                return step(*given)
        except NoteTimeout:
            self.timed_out = True
            _clear(result)
            result.errors.append(f"took longer than the {self.timeout:g} s limit per note (--timeout-per-note)")
        except Exception as exc:  # one note's failure must never stop a batch
            _clear(result)
            detail = f": {exc}" if self.verbose else " (run with --verbose for the detail)"
            result.errors.append(f"internal error while coding: {type(exc).__name__}{detail}")
        finally:
            self.spent[k] = self.spent.get(k, 0.0) + time.perf_counter() - start
        self.done.add(k)
        return FAILED


def _clear(result: NoteResult) -> None:
    result.codes, result.findings, result.flags, result.claim = [], [], [], None


def _give_back_free_memory() -> None:
    """Return freed heap to the system (glibc keeps it otherwise, and RSS would climb ~40 MB in
    fragments before it levels off); nothing elsewhere."""
    if not sys.platform.startswith("linux"):  # pragma: no cover
        return
    with suppress(OSError, AttributeError):  # a C library other than glibc has no malloc_trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
