"""Writing results as records: JSON, JSON lines, CSV and MDACE spans."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from vertcode.model import NoteResult

CSV_COLUMNS = (
    "note",
    "disposition",
    "code",
    "units",
    "levels",
    "modifiers",
    "review",
    "description",
    "evidence",
    "flags",
    "errors",
)


def to_json_line(result: NoteResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=False)


def write_json(results: list[NoteResult], stream: TextIO) -> None:
    """A list of results, however many notes: one shape for a reader to parse."""
    json.dump([r.to_dict() for r in results], stream, ensure_ascii=False, indent=2, allow_nan=False)
    stream.write("\n")


def write_jsonl(results: Iterable[NoteResult], stream: TextIO) -> None:
    for result in results:
        stream.write(to_json_line(result) + "\n")


# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): a name such as "=cmd|'/c'"
# is written with a leading apostrophe, which spreadsheets show and do not evaluate.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _SafeWriter:
    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row) -> None:
        self.writer.writerow([f"'{c}" if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in row])


def write_csv(results: Iterable[NoteResult], stream: TextIO) -> None:
    """One row per code line, with the note's disposition and the kinds of its flags (the
    reasons for review); a note with no code still gets a row, so nothing goes missing."""
    writer = _SafeWriter(csv.writer(stream, lineterminator="\n"))
    writer.writerow(CSV_COLUMNS)
    for result in results:
        errors = "; ".join(result.errors)
        flags = ";".join(f.kind for f in result.flags)
        if not result.codes:
            writer.writerow([result.note, result.disposition, "", "", "", "", "", "", "", flags, errors])
        for line in result.codes:
            writer.writerow(
                [
                    result.note,
                    result.disposition,
                    line.code,
                    line.units,
                    ";".join(line.levels),
                    ";".join(line.modifiers),
                    "yes" if line.review else "no",
                    line.description,
                    ";".join(f"{e.start}-{e.end}:{e.text}" for e in line.evidence),
                    flags,
                    errors,
                ]
            )


def to_mdace(result: NoteResult) -> dict:
    """Evidence in the span format of the public MDACE coding dataset: one annotation per span
    supporting a code, `{"begin", "end", "code", "code_system": "CPT", "description"}`."""
    return {
        "note": result.note,
        "annotations": [
            {
                "begin": ev.start,
                "end": ev.end,
                "code": line.code,
                "code_system": "CPT",
                "description": line.description,
                "covered_text": ev.text,
                "label": ev.label,
            }
            for line in result.codes
            for ev in line.evidence
        ],
    }


def write_mdace(results: Iterable[NoteResult], stream: TextIO) -> None:
    for result in results:
        stream.write(json.dumps(to_mdace(result), ensure_ascii=False, allow_nan=False) + "\n")
