"""vertcode: CPT code suggestions, with cited evidence, for vertebral augmentation notes.

    import vertcode

    result = vertcode.code_text("Balloon kyphoplasty at T12 ... 4 mL PMMA ...")
    result.codes[0].code, result.codes[0].units, result.codes[0].evidence

`code_text` codes a text, `code_file` a file (one result per document it holds: an HL7 file
or a FHIR Bundle may hold several), `code_stream` an iterable of (id, text) rows. The first
call builds the pipeline (about a second); `Coder` builds one of your own, with other patterns
or limits. Importing vertcode imports no spaCy; coding does.

The stages a note flows through, each a sub-package, imports flowing one way:

    cli -> run -> read, nlp, coding, write -> model, levels, patterns, rules

- `read`    bytes, files, folders and tables to `Note`s
- `nlp`     the spaCy pipeline: a note's text to an `Extraction` (what it documents)
- `coding`  the coding rules, plain Python: an `Extraction` to code lines and flags
- `write`   results to JSON, CSV, FHIR, tables and review pages
- `run`     coding one note, a batch, a Spark table; evaluation against a corpus
- `workbench`  the coders' review application (to come)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from vertcode.model import CodeLine, Evidence, Finding, Flag, NoteResult
from vertcode.read.text import NoteSource
from vertcode.run.coder import Coder
from vertcode.version import __version__ as __version__

__all__ = ["CodeLine", "Coder", "Evidence", "Finding", "Flag", "NoteResult", "code_file", "code_stream", "code_text"]


@lru_cache(maxsize=1)
def _coder() -> Coder:
    return Coder()


def code_text(text: str, name: str = "-") -> NoteResult:
    """Code one note's text; `name` is what the result calls it."""
    return _coder().code_text(text, name)


def code_file(path: str | Path) -> list[NoteResult]:
    """Code a note file of any format vertcode reads; one result per document in it. A file that
    cannot be read gives one result whose `errors` say why."""
    return [result for _, result in _coder().read_and_code(NoteSource(str(path), Path(path)))]


def code_stream(rows: Iterable[tuple[object, str]]) -> Iterator[NoteResult]:
    """Code (id, text) rows as they come; each result carries its row's id."""
    for number, (note_id, text) in enumerate(rows, 1):
        yield from _coder().code_sources([NoteSource(str(note_id), text=text, row=number, id=note_id)])
