"""Bringing results into the workbench: a `batch` JSON lines file, or a folder coded first.

The results say which file each note came from and the SHA-256 of its bytes; the workbench
needs the note's text too (the evidence page is drawn over it), so each file is read again with
the readers that coded it. A file whose bytes changed since the batch is coded again, so the
workbench never shows evidence over a text it was not read from; a file that is gone is
imported without its text (its page says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from vertcode.model import NoteResult
from vertcode.read.files import read_notes
from vertcode.read.text import Note, NoteError, NoteSource
from vertcode.run.coder import Coder
from vertcode.workbench.store import ImportSummary, import_result


class IntakeError(Exception):
    """The results cannot be read; the message names the file and line."""


def read_results(path: Path) -> list[dict]:
    """The results of a `batch` JSON lines file, checked enough to import."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IntakeError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    found = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            result = json.loads(line)
            NoteResult.from_dict(result)  # the shape the rest relies on
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise IntakeError(f"{path}:{number}: not a vertcode result (a line of `vertcode batch` output)") from None
        found.append(result)
    if not found:
        raise IntakeError(f"{path}: no results in it")
    return found


def import_results(
    engine: Engine,
    results: list[dict],
    base: Path,
    coder: Callable[[], Coder],
    on_note: Callable[[], None] = lambda: None,
) -> tuple[ImportSummary, list[str]]:
    """Import `results`, reading each note's text from its path (as given, else under `base`,
    the results file's folder); a note whose file changed is coded again with `coder()` (built
    only if needed). Each note is its own transaction. Returns the summary and notices."""
    summary, notices = ImportSummary(), list[str]()
    built: list[Coder] = []
    read: dict[str, list[Note] | None] = {}  # a file of several notes (HL7, FHIR) is read once
    for result in results:
        documents = read.get(result["note"])
        if result["note"] not in read:
            documents = read[result["note"]] = _read(result["note"], base)
        text, result = _text_for(result, documents, built, coder, notices)
        with engine.begin() as conn:
            import_result(conn, result, text, summary)
        on_note()
    return summary, notices


def _read(name: str, base: Path) -> list[Note] | None:
    for path in (Path(name), base / name):
        if path.is_file():
            try:
                return read_notes(NoteSource(name, path))
            except NoteError:
                return None
    return None


def _text_for(
    result: dict, documents: list[Note] | None, built: list[Coder], coder: Callable[[], Coder], notices: list[str]
) -> tuple[str | None, dict]:
    if result.get("sha256") is None or documents is None:
        if result.get("sha256") is not None:
            notices.append(f"{result['note']}: the note cannot be read here: imported without its text")
        return None, result
    same_id = [d for d in documents if d.id == result.get("id")] or documents[:1]
    if not same_id:
        notices.append(f"{result['note']}: no note with id {result.get('id')} in it now: imported without its text")
        return None, result
    document = same_id[0]
    if document.sha256 == result["sha256"]:
        return document.text, result
    # The file changed since the batch: its result would cite spans of another text.
    if not built:
        built.append(coder())
    fresh = built[0].code_note(document).to_dict()
    notices.append(f"{result['note']}: changed since it was coded: coded again")
    return document.text, fresh
