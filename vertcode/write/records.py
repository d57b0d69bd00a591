"""Writing results as records: JSON, JSON lines, CSV and MDACE spans."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from vertcode.model import Evidence, NoteResult

#: One row per code line ("code"), per flag ("flag") and per error ("error"), and a "note" row for
#: a note with none of them, so every note appears: filter on `row` to see one kind. `flags` on
#: every row lists the kinds of the note's flags, the reasons for its disposition.
CSV_COLUMNS = (
    "row",
    "note",
    "id",
    "disposition",
    "flags",
    "code",
    "units",
    "modifiers",
    "levels",
    "review",
    "review_reasons",
    "description",
    "rationale",
    "flag",
    "message",
    "evidence",
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
    """The rows of CSV_COLUMNS; lists within a cell are joined with ";", evidence as
    "start-end:text"."""
    writer = _SafeWriter(csv.writer(stream, lineterminator="\n"))
    writer.writerow(CSV_COLUMNS)
    for result in results:
        note = {
            "note": result.note,
            "id": "" if result.id is None else result.id,
            "disposition": result.disposition,
            "flags": ";".join(f.kind for f in result.flags),
        }
        rows = [
            {
                "row": "code",
                "code": line.code,
                "units": line.units,
                "modifiers": ";".join(line.modifiers),
                "levels": ";".join(line.levels),
                "review": "yes" if line.review else "no",
                "review_reasons": ";".join(line.review_reasons),
                "description": line.description,
                "rationale": line.rationale,
                "evidence": _spans(line.evidence),
            }
            for line in result.codes
        ]
        rows += [
            {"row": "flag", "flag": f.kind, "message": f.message, "evidence": _spans(f.evidence)} for f in result.flags
        ]
        rows += [{"row": "error", "message": error} for error in result.errors]
        rows += _claim_rows(result)
        for row in rows or [{"row": "note"}]:
            cells = note | row
            writer.writerow([cells.get(column, "") for column in CSV_COLUMNS])


def _claim_rows(result: NoteResult) -> list[dict]:
    """A row per diagnosis (`code` its ICD-10-CM code), per query and per checklist element not
    found (`flag` its kind or element, `message` what to ask), and per claim edit."""
    claim = result.claim
    if claim is None:
        return []
    rows: list[dict] = [
        {
            "row": "diagnosis",
            "code": d.code,
            "levels": ";".join(d.levels),
            "description": d.description,
            "rationale": "supports " + ";".join(d.lines) + (f"; {d.review}" if d.review else ""),
            "evidence": _spans(d.evidence),
        }
        for d in claim.diagnoses
    ]
    rows += [
        {
            "row": "query",
            "flag": q.kind,
            "levels": ";".join(q.levels),
            "message": q.question,
            "evidence": _spans(q.evidence),
        }
        for q in claim.queries
    ]
    rows += [
        {
            "row": "checklist",
            "flag": i.element,
            "review": i.status,
            "message": i.query or i.detail or "",
            "rationale": ";".join(i.policies),
            "evidence": _spans(i.evidence),
        }
        for i in claim.checklist
        if i.status != "found"
    ]
    rows += [
        {"row": "edit", "code": e.code, "flag": e.kind, "review": e.severity, "message": e.message, "rationale": e.rule}
        for e in claim.edits
    ]
    return rows


def _spans(evidence: list[Evidence]) -> str:
    return ";".join(f"{e.start}-{e.end}:{e.text}" for e in evidence)


def to_mdace(result: NoteResult) -> dict:
    """Evidence in the span format of the public MDACE coding dataset: one annotation per span
    supporting a code, `{"begin", "end", "code", "code_system": "CPT", "description"}`. MDACE has
    no place for a rationale or a flag: they go in keys of their own, `rationales` (by code) and
    `flags` (their spans written like annotations), which MDACE readers ignore."""
    return {
        "note": result.note,
        "rationales": {line.code: line.rationale for line in result.codes},
        "flags": [
            {
                "kind": flag.kind,
                "message": flag.message,
                "spans": [
                    {"begin": e.start, "end": e.end, "covered_text": e.text, "label": e.label} for e in flag.evidence
                ],
            }
            for flag in result.flags
        ],
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
