"""Reading tables of notes: CSV, JSON lines and Parquet, one `NoteSource` per row, streamed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from vertcode.read.text import NoteSource

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
    """An id as JSON can write it: numbers and strings kept, anything else as text; JSON has no
    infinity, so an infinite float is written as the text "inf" or "-inf"."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        if value != value:
            return None
        if value in (float("inf"), float("-inf")):
            return str(value)
        return int(value) if value.is_integer() else value
    return str(value)
