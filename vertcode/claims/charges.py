"""Reading the charge lines a user supplies (`--charges FILE`), to check a claim built elsewhere.

Two formats, told by the file's suffix (.csv; .jsonl, .ndjson) or, for another suffix, by its
first line:

- CSV with a header naming at least `note,code`, optionally `units,modifiers,levels`;
  modifiers and levels are listed in their cell separated by `;`, commas or spaces.
- JSON Lines, one object a line: {"note", "code", optional "units", "modifiers", "levels"}, the
  lists as JSON lists or as one string like a CSV cell.

`note` is the note's file name or id, as the results name it. A problem is a `ChargesError`
naming the file, the line and what is wrong: a billing team fixes its export, it is not shown a
traceback.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from vertcode.claims.edits import ChargeLine
from vertcode.levels import LevelError
from vertcode.levels import parse as parse_level

COLUMNS = ("note", "code", "units", "modifiers", "levels")
REQUIRED = ("note", "code")
_CODE = re.compile(r"[0-9A-Z]{5}")
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_SPLIT = re.compile(r"[;,\s]+")


class ChargesError(ValueError):
    """A charges file that cannot be read; the message names the file, the line and the problem."""


def read_charges(path: Path) -> dict[str, list[ChargeLine]]:
    """{note: its charge lines, in file order}, notes in the order they first appear."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ChargesError(f"{path}: cannot read the charges file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        number = data[: exc.start].count(b"\n") + 1
        raise ChargesError(f"{path}:{number}: not UTF-8 text (save the file as UTF-8)") from None
    suffix = path.suffix.lower()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if suffix in (".jsonl", ".ndjson") or (suffix != ".csv" and first.startswith("{")):
        rows = _json_lines(path, text)
    elif suffix == ".csv" or set(REQUIRED) <= {c.strip().lower() for c in first.split(",")}:
        rows = _csv_rows(path, text)
    else:
        raise ChargesError(
            f"{path}: unknown format: expected CSV with a header naming note,code (a .csv file) "
            "or JSON Lines (a .jsonl file)"
        )
    charges: dict[str, list[ChargeLine]] = {}
    for where, row in rows:
        note, line = _charge(where, row)
        charges.setdefault(note, []).append(line)
    if not charges:
        raise ChargesError(f"{path}: no charge lines")
    return charges


def _csv_rows(path: Path, text: str) -> Iterator[tuple[str, dict]]:
    reader = csv.reader(io.StringIO(text))
    try:
        yield from _csv_cells(path, reader)
    except csv.Error as exc:
        raise ChargesError(f"{path}:{reader.line_num}: not readable as CSV ({exc})") from None


def _csv_cells(path: Path, reader) -> Iterator[tuple[str, dict]]:
    header = next(reader, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(reader, None)
    if header is None:
        raise ChargesError(f"{path}: no charge lines")
    columns = [cell.strip().lower() for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in columns]
    if unknown or missing or len(set(columns)) < len(columns):
        problem = (
            f"unknown column(s) {', '.join(map(repr, unknown))}"
            if unknown
            else f"no {', '.join(map(repr, missing))} column"
            if missing
            else "a column is named twice"
        )
        raise ChargesError(
            f"{path}:{reader.line_num}: {problem}; the header names note,code and optionally units,modifiers,levels"
        )
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        where = f"{path}:{reader.line_num}"
        if len(cells) > len(columns):
            raise ChargesError(f"{where}: {len(cells)} cells, but the header names {len(columns)} columns")
        yield where, dict(zip(columns, cells, strict=False))


def _json_lines(path: Path, text: str) -> Iterator[tuple[str, dict]]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ChargesError(f"{where}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ChargesError(f"{where}: expected a JSON object with note and code")
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            raise ChargesError(f"{where}: unknown key(s) {unknown}; allowed: {', '.join(COLUMNS)}")
        yield where, row


def _charge(where: str, row: dict) -> tuple[str, ChargeLine]:
    note = row.get("note")
    if isinstance(note, int) and not isinstance(note, bool):
        note = str(note)
    if not isinstance(note, str) or not note.strip():
        raise ChargesError(f"{where}: missing note (the note's file name or id)")
    code = row.get("code")
    if not isinstance(code, str) or not code.strip():
        raise ChargesError(f"{where}: missing code")
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        raise ChargesError(f"{where}: code {code!r} is not a five-character CPT/HCPCS code")
    levels = [level for item in _items(where, "levels", row.get("levels")) for level in _level(where, item)]
    return note.strip(), ChargeLine(
        code=code,
        units=_units(where, row.get("units")),
        modifiers=tuple(_modifier(where, m) for m in _items(where, "modifiers", row.get("modifiers"))),
        levels=tuple(dict.fromkeys(levels)),
    )


def _units(where: str, value: object) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str) and value.strip().isdigit() and int(value) >= 1:
        return int(value)
    raise ChargesError(f"{where}: units {value!r} is not a positive whole number")


def _items(where: str, key: str, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [item for item in _SPLIT.split(value.strip()) if item]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise ChargesError(f"{where}: {key} must be a list of strings, or one string separated by ; , or spaces")


def _modifier(where: str, text: str) -> str:
    modifier = text.lstrip("-").upper()
    if not _MODIFIER.fullmatch(modifier):
        raise ChargesError(f"{where}: modifier {text!r} is not a two-character modifier")
    return modifier


def _level(where: str, text: str) -> list[str]:
    try:
        return parse_level(text)
    except LevelError:
        raise ChargesError(f"{where}: level {text!r} is not a vertebral level (T8, L1, sacrum)") from None
