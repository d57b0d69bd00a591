"""Coding notes: the pipeline and the mapper together, for one note or a stream of them.

A note that cannot be read or coded gets its reason in `errors`; it never stops the others.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import sys
from collections.abc import Iterable, Iterator
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
        try:
            notes = read_notes(source, self.max_bytes)
        except NoteError as exc:
            return [(None, self.not_coded(source, exc.reason))]
        return [(note, self.code_note(note)) for note in notes]

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
        result = NoteResult(
            note=note.name, sha256=note.sha256, id=note.id, extractor=note.extractor, producer=self.producer
        )
        if not note.text.strip():
            result.flags.append(Flag("empty-note", "The note is empty: nothing to code."))
            return result
        fresh_pipeline = False
        try:
            with time_limit(self.timeout):
                # A note the rulers can find nothing of ours in is not read: its extraction is
                # the empty one the pipeline would give it (vertcode.nlp.gate).
                extraction = self.nlp(note.text)._.extraction if self.gate.passes(note.text) else Extraction()
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
        except NoteTimeout:
            result.codes, result.findings, result.flags, result.claim = [], [], [], None
            result.errors.append(f"took longer than the {self.timeout:g} s limit per note (--timeout-per-note)")
            fresh_pipeline = True  # stopped anywhere: no component's state is trusted after it
        except Exception as exc:  # one note's failure must never stop a batch
            result.codes, result.findings, result.flags, result.claim = [], [], [], None
            detail = f": {exc}" if self.verbose else " (run with --verbose for the detail)"
            result.errors.append(f"internal error while coding: {type(exc).__name__}{detail}")
        if fresh_pipeline or len(self.nlp.vocab.strings) > self._string_limit:
            del self.nlp  # freed, with all it learned, before the new one is built
            gc.collect()
            _give_back_free_memory()
            self.nlp = self._build()
        return result


def _give_back_free_memory() -> None:
    """Return freed heap to the system (glibc keeps it otherwise, and RSS would climb ~40 MB in
    fragments before it levels off); nothing elsewhere."""
    if not sys.platform.startswith("linux"):  # pragma: no cover
        return
    with suppress(OSError, AttributeError):  # a C library other than glibc has no malloc_trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
