"""Coding notes: the pipeline and the mapper together, for one note or a stream of them.

A note that cannot be read or coded gets its reason in `errors`; it never stops the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from vertcode import patterns as pattern_files
from vertcode.coding import code_note
from vertcode.model import Flag, NoteResult
from vertcode.read.files import read_notes
from vertcode.read.text import DEFAULT_MAX_BYTES, Note, NoteError, NoteSource
from vertcode.run.timing import NoteTimeout, time_limit


class Coder:
    """Builds the pipeline once and codes any number of notes with it.

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
    ):
        from vertcode.nlp.pipeline import build

        self.nlp = build(patterns_dir)
        self.descriptions = pattern_files.load_descriptions(patterns_dir)
        self.max_bytes = max_bytes
        self.verbose = verbose
        self.timeout = timeout

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
            return [(None, NoteResult(note=source.name, errors=[exc.reason], id=source.id))]
        return [(note, self.code_note(note)) for note in notes]

    def code_note(self, note: Note) -> NoteResult:
        result = NoteResult(note=note.name, sha256=note.sha256, id=note.id, extractor=note.extractor)
        if not note.text.strip():
            result.flags.append(Flag("empty-note", "The note is empty: nothing to code."))
            return result
        try:
            with time_limit(self.timeout):
                extraction = self.nlp(note.text)._.extraction
                result.findings = extraction.findings
                result.codes, result.flags = code_note(extraction, self.descriptions)
        except NoteTimeout:
            result.codes, result.findings, result.flags = [], [], []
            result.errors.append(f"took longer than the {self.timeout:g} s limit per note (--timeout-per-note)")
        except Exception as exc:  # one note's failure must never stop a batch
            result.codes, result.findings, result.flags = [], [], []
            detail = f": {exc}" if self.verbose else " (run with --verbose for the detail)"
            result.errors.append(f"internal error while coding: {type(exc).__name__}{detail}")
        return result
