"""Reading tables of notes: CSV, JSON lines and Parquet, one `NoteSource` per row, streamed.

A row that cannot be read is that row's error, never the table's: a line that is not JSON (or is
nested past the recursion limit), a text or id that is not valid Unicode (a byte that is not
UTF-8, or a lone surrogate such as JSON's "\\ud800", which no UTF-8 output can hold), a Parquet
row group that cannot be decoded (its rows are reported together, and the other groups read).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vertcode.read.text import CLAIM_COLUMNS, NoteSource

TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet")


class TableError(ValueError):
    """A table of notes cannot be used at all (missing column, unreadable file)."""


@dataclass(frozen=True)
class _Unreadable:
    """Rows that could not be read, and why."""

    rows: int
    reason: str


# Invalid UTF-8 is read as lone surrogates (errors="surrogateescape"), so one row holds the
# damage, and is found here with JSON's own lone surrogates.
_NOT_UNICODE = re.compile("[\ud800-\udfff]")


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
    number = 1
    for row in rows:
        if isinstance(row, _Unreadable):
            last = f"-{number + row.rows - 1}" if row.rows > 1 else ""
            yield NoteSource(f"{path}:{number}{last}", row=number, problem=row.reason)
            number += row.rows
            continue
        yield _source(path, number, row, id_column, text_column)
        number += 1


def _source(path: Path, number: int, row: dict | str, id_column: str, text_column: str) -> NoteSource:
    if isinstance(row, str):  # a line that could not be parsed
        return NoteSource(f"{path}:{number}", row=number, problem=row)
    note_id = _plain(row.get(id_column))
    text = row.get(text_column)
    for column, value in (("id", note_id), ("text", text)):
        if isinstance(value, str) and _NOT_UNICODE.search(value):
            problem = f"{column} is not valid Unicode (a byte that is not UTF-8, or a lone surrogate)"
            return NoteSource(f"{path}:{number}", row=number, problem=problem)
    name = str(note_id) if note_id is not None else f"{path}:{number}"
    claim = tuple((c, str(row[c]).strip()) for c in CLAIM_COLUMNS if row.get(c) not in (None, ""))
    return NoteSource(name, text=text if isinstance(text, str) else None, row=number, id=note_id, claim=claim)


def _csv_rows(path: Path, id_column: str, text_column: str):
    import csv

    csv.field_size_limit(sys.maxsize)  # a note is one field, and may be long
    try:
        stream = path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
    except OSError as exc:
        raise TableError(f"{path}: {exc.strerror or exc}") from None
    with stream:
        reader = csv.DictReader(stream)
        _require_columns(path, reader.fieldnames or [], id_column, text_column)
        yield from reader


def _jsonl_rows(path: Path):
    import json

    try:
        lines = path.open(encoding="utf-8-sig", errors="surrogateescape")
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
            except RecursionError:
                yield "invalid JSON (nested too deeply)"
                continue
            yield row if isinstance(row, dict) else "not a JSON object"


def _parquet_rows(path: Path, id_column: str, text_column: str):
    try:
        import pyarrow
        import pyarrow.parquet as parquet
    except ImportError:
        raise TableError("reading Parquet needs pyarrow: pip install 'vertcode[parquet]'") from None
    try:
        table = parquet.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise TableError(f"{path}: cannot read as Parquet ({exc})") from None
    _require_columns(path, table.schema_arrow.names, id_column, text_column)
    for group in range(table.num_row_groups):
        left = table.metadata.row_group(group).num_rows
        try:
            columns = [id_column, text_column, *(c for c in CLAIM_COLUMNS if c in table.schema_arrow.names)]
            for batch in table.iter_batches(columns=columns, batch_size=1024, row_groups=[group]):
                rows = batch.to_pylist()
                left -= len(rows)
                yield from rows
        except (OSError, pyarrow.ArrowException) as exc:  # a damaged page, a bad value: by the damage
            reason = f"row group {group + 1} of this Parquet file cannot be read ({type(exc).__name__})"
            yield _Unreadable(left, reason)


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
