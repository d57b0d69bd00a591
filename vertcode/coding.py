"""Coding notes: the pipeline and the mapper together, for one note or a stream of them.

A note that cannot be read or coded gets its reason in `errors`; it never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from vertcode import patterns as pattern_files
from vertcode.mapper import code_note
from vertcode.model import Flag, NoteResult
from vertcode.notes import DEFAULT_MAX_BYTES, NoteError, NoteSource, read_note


class Coder:
    """Builds the pipeline once and codes any number of notes with it."""

    def __init__(self, patterns_dir: str | Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES):
        from vertcode.pipeline import build

        self.nlp = build(patterns_dir)
        self.descriptions = pattern_files.load_descriptions(patterns_dir)
        self.max_bytes = max_bytes

    def code_text(self, text: str, name: str = "-") -> NoteResult:
        return next(self.code_texts([(name, text)]))

    def code_texts(self, notes: Iterable[tuple[str, str]]) -> Iterator[NoteResult]:
        """(name, text) pairs in, one result per note out, in the same order."""
        for name, text in notes:
            yield self._code_one(name, text)

    def code_sources(self, sources: Iterable[NoteSource]) -> Iterator[NoteResult]:
        """Read and code each note; an unreadable note yields a result carrying its error."""
        for source in sources:
            try:
                text = read_note(source, self.max_bytes)
            except NoteError as exc:
                yield NoteResult(note=source.name, errors=[exc.reason])
                continue
            yield self._code_one(source.name, text)

    def _code_one(self, name: str, text: str) -> NoteResult:
        result = NoteResult(note=name)
        if not text.strip():
            result.flags.append(Flag("empty-note", "The note is empty: nothing to code."))
            return result
        try:
            doc = self.nlp(text)
            extraction = doc._.extraction
            result.findings = extraction.findings
            result.codes, result.flags = code_note(extraction, self.descriptions)
        except Exception as exc:  # one note's failure must never stop a batch
            result.codes, result.findings, result.flags = [], [], []
            result.errors.append(f"internal error while coding: {type(exc).__name__}: {exc}")
        return result
