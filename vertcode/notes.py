"""Reading notes: bytes from files or standard input into text, and folders into lists of notes.

Offsets in every result refer to the text returned here: a byte-order mark is removed and nothing
else is changed (CRLF line ends are kept), so `text[start:end]` is always the evidence text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Notes larger than this are reported, not processed (an exported log is not an operative note).
DEFAULT_MAX_BYTES = 1_000_000


class NoteError(Exception):
    """A note that cannot be read; the message names the file and the reason."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class NoteSource:
    """A note to code: its name as the user gave it, and where to read it.

    A file has a `path`; a row of a table has its `text` (None when the cell is empty), its
    `row` number and the `id` from the table; a source with neither path nor row is standard
    input. `problem` says why a row could not be read at all.
    """

    name: str
    path: Path | None = None
    text: str | None = None
    row: int | None = None
    id: object = None
    problem: str | None = None


def decode(data: bytes, name: str) -> str:
    """Text of a note: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8):], "utf-8", name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name)
    if b"\x00" in data:
        raise NoteError(name, "binary file (contains NUL bytes), not a text note")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = _strict(data, "cp1252", name)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(8, len(text) // 100):
        raise NoteError(name, "binary file (control characters), not a text note")
    return text


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise NoteError(name, f"cannot decode as {encoding} (byte {exc.start})") from None


@dataclass(frozen=True)
class Note:
    """A note as read: its name, its plain text, the SHA-256 of its source's bytes, the extractor
    that gave the text, and the id it carries (a table row's, an HL7 order's, a FHIR resource's)."""

    name: str
    text: str
    sha256: str
    extractor: str = "text"
    id: object = None


def read_notes(source: NoteSource, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Note]:
    """The notes behind a source, usually one; an HL7 file or a FHIR Bundle may hold several.

    NoteError, naming the source and the reason, when none can be read.
    """
    if source.row is not None:
        if source.problem:
            raise NoteError(source.name, source.problem)
        if source.text is None or not source.text.strip():
            raise NoteError(source.name, "no text in this row")
        data = source.text.encode("utf-8")
        _check_size(len(data), source.name, max_bytes)
        return [Note(source.name, source.text, hashlib.sha256(data).hexdigest(), "text", source.id)]
    from vertcode.formats import documents

    data = _read_bytes(source, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    found = documents(data, source.name)
    if len(found) == 1 and found[0].id is None:
        return [Note(source.name, found[0].text, sha256, found[0].extractor)]
    return [Note(f"{source.name}#{doc.id if doc.id is not None else i}", doc.text, sha256, doc.extractor, doc.id)
            for i, doc in enumerate(found, 1)]


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise NoteError(name, f"{size:,} bytes is over the {max_bytes:,}-byte limit for one note")


def _read_bytes(source: NoteSource, max_bytes: int) -> bytes:
    if source.path is None:
        data = sys.stdin.buffer.read()
        _check_size(len(data), source.name, max_bytes)
        return data
    path = source.path
    try:
        if path.is_dir():
            raise NoteError(source.name, "is a directory, not a note")
        _check_size(path.stat().st_size, source.name, max_bytes)
        return path.read_bytes()
    except NoteError:
        raise
    except FileNotFoundError:
        reason = "dangling symbolic link" if path.is_symlink() else "no such file"
        raise NoteError(source.name, reason) from None
    except OSError as exc:
        raise NoteError(source.name, exc.strerror or str(exc)) from None


def source_sha256(source: NoteSource) -> str | None:
    """SHA-256 of a source's bytes as it is now, or None when it cannot be read."""
    if source.row is not None:
        return hashlib.sha256(source.text.encode("utf-8")).hexdigest() if source.text else None
    try:
        return hashlib.sha256(source.path.read_bytes()).hexdigest() if source.path else None
    except OSError:
        return None


TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")


class TableError(ValueError):
    """A table of notes cannot be used at all (missing column, unreadable file)."""


def read_table(path: Path, *, id_column: str = "id", text_column: str = "text") -> Iterator[NoteSource]:
    """The notes of a CSV, JSON lines or Parquet table, one source per row, streamed.

    A row with no text is yielded and reported when read; the id keeps its type (a number stays
    a number) and becomes the note's name in the results.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, id_column, text_column)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(path)
    elif suffix == ".parquet":
        rows = _parquet_rows(path, id_column, text_column)
    else:
        raise TableError(f"{path}: not a table of notes (expected {', '.join(TABLE_SUFFIXES)})")
    for number, row in enumerate(rows, 1):
        if isinstance(row, str):  # a line that could not be parsed
            yield NoteSource(f"{path}:{number}", row=number, problem=row)
            continue
        note_id = _plain(row.get(id_column))
        text = row.get(text_column)
        name = str(note_id) if note_id is not None else f"{path}:{number}"
        yield NoteSource(name, text=text if isinstance(text, str) else None, row=number, id=note_id)


def _csv_rows(path: Path, id_column: str, text_column: str):
    import csv

    csv.field_size_limit(sys.maxsize)  # a note is one field, and may be long
    try:
        stream = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise TableError(f"{path}: {exc.strerror or exc}") from None
    with stream:
        reader = csv.DictReader(stream)
        _require_columns(path, reader.fieldnames or [], id_column, text_column)
        yield from reader


def _jsonl_rows(path: Path):
    import json

    try:
        lines = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise TableError(f"{path}: {exc.strerror or exc}") from None
    with lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"invalid JSON ({exc.msg})"
                continue
            yield row if isinstance(row, dict) else "not a JSON object"


def _parquet_rows(path: Path, id_column: str, text_column: str):
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise TableError("reading Parquet needs pyarrow: pip install 'vertcode[parquet]'") from None
    try:
        table = parquet.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise TableError(f"{path}: cannot read as Parquet ({exc})") from None
    _require_columns(path, table.schema_arrow.names, id_column, text_column)
    for batch in table.iter_batches(columns=[id_column, text_column], batch_size=1024):
        yield from batch.to_pylist()


def _require_columns(path: Path, names, *columns: str) -> None:
    missing = [c for c in columns if c not in names]
    if missing:
        raise TableError(f"{path}: no column {', '.join(map(repr, missing))} (columns: {', '.join(names)})")


def _plain(value):
    """An id as JSON can write it: numbers and strings kept, anything else as text."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return None if value != value else (int(value) if value.is_integer() else value)
    return str(value)


def find_notes(directory: Path, pattern: str | None = None) -> Iterator[NoteSource]:
    """Every note file below `directory`, recursively, in a stable order: the files matching
    `pattern`, or by default every extension vertcode reads (vertcode.formats.EXTENSIONS).

    Symbolic links to directories are not followed, so a link loop cannot recurse forever;
    anything matching that is not a readable file is still yielded and reported when read.
    """
    from vertcode.formats import EXTENSIONS

    def wanted(name: str) -> bool:
        return Path(name).match(pattern) if pattern else name.lower().endswith(EXTENSIONS)

    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs.sort()
        root_path = Path(root)
        for name in sorted({n for n in set(files) | set(dirs) if wanted(n)}):
            path = root_path / name
            yield NoteSource(str(path), path)
