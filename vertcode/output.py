"""Output writers: JSON, JSON lines, CSV, a terminal table, FHIR R4 Claims and MDACE spans."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from vertcode.model import NoteResult

CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
CSV_COLUMNS = ("note", "code", "units", "levels", "modifiers", "review", "description", "evidence", "errors")


def to_json_line(result: NoteResult) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False)


def write_json(results: list[NoteResult], stream: TextIO) -> None:
    """One object for one note, a list for several."""
    data = [r.to_dict() for r in results]
    json.dump(data[0] if len(data) == 1 else data, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def write_jsonl(results: Iterable[NoteResult], stream: TextIO) -> None:
    for result in results:
        stream.write(to_json_line(result) + "\n")


def write_csv(results: Iterable[NoteResult], stream: TextIO) -> None:
    """One row per code line; a note with no code still gets a row, so nothing goes missing."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for result in results:
        errors = "; ".join(result.errors)
        if not result.codes:
            writer.writerow([result.note, "", "", "", "", "", "", "", errors])
        for line in result.codes:
            writer.writerow([
                result.note, line.code, line.units, ";".join(line.levels), ";".join(line.modifiers),
                "yes" if line.review else "no", line.description,
                ";".join(f"{e.start}-{e.end}:{e.text}" for e in line.evidence), errors,
            ])


_TABLE_LABEL_ORDER = ("LEVEL", "TECHNIQUE", "DEVICE", "REPEAT", "CEMENT", "ACCESS", "APPROACH",
                      "LATERALITY", "GUIDANCE", "BIOPSY")
_TABLE_EVIDENCE = 8


def _evidence_summary(evidence) -> str:
    """The first place each distinct word is cited, levels and techniques first; JSON has all."""
    first = {}
    for ev in evidence:
        first.setdefault((ev.label, ev.text.lower()), ev)
    rank = {label: i for i, label in enumerate(_TABLE_LABEL_ORDER)}
    shown = sorted(first.values(), key=lambda e: (rank.get(e.label, len(rank)), e.start))
    text = ", ".join(f"{e.text!r}@{e.start}" for e in shown[:_TABLE_EVIDENCE])
    if len(shown) > _TABLE_EVIDENCE:
        text += f" (+{len(shown) - _TABLE_EVIDENCE} more)"
    return text


def write_table(results: Iterable[NoteResult], stream: TextIO) -> None:
    """A table of code lines per note with the evidence text, and the flags beneath it."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=stream, highlight=False, soft_wrap=False)
    for result in results:
        console.print(f"[bold]{escape(result.note)}[/bold]")
        for error in result.errors:
            console.print(f"  [red]error:[/red] {escape(error)}")
        if result.codes:
            table = Table(show_edge=False, pad_edge=False, box=None)
            for column in ("code", "units", "levels", "review", "evidence"):
                table.add_column(column, overflow="fold")
            for line in result.codes:
                evidence = _evidence_summary(line.evidence)
                table.add_row(line.code, str(line.units), " ".join(line.levels),
                              "REVIEW" if line.review else "", escape(evidence))
            console.print(table)
        elif not result.errors:
            console.print("  no code")
        for flag in result.flags:
            console.print(f"  [yellow]flag[/yellow] {flag.kind}: {escape(flag.message)}")
        console.print()


def to_mdace(result: NoteResult) -> dict:
    """Evidence in the span format of the public MDACE coding dataset: one annotation per span
    supporting a code, `{"begin", "end", "code", "code_system": "CPT", "description"}`."""
    return {
        "note": result.note,
        "annotations": [
            {"begin": ev.start, "end": ev.end, "code": line.code, "code_system": "CPT",
             "description": line.description, "covered_text": ev.text, "label": ev.label}
            for line in result.codes for ev in line.evidence
        ],
    }


def write_mdace(results: Iterable[NoteResult], stream: TextIO) -> None:
    for result in results:
        stream.write(json.dumps(to_mdace(result), ensure_ascii=False) + "\n")


def to_fhir_claim(result: NoteResult, created: str) -> dict:
    """A draft FHIR R4 Claim: one item per code line (units as quantity, modifiers), the evidence
    and rationale as supportingInfo the items point to. Patient, provider and coverage are not
    in an operative note; the billing system fills them in."""
    unknown = {"display": "to be completed by the billing system"}
    info, items = [], []
    for number, line in enumerate(result.codes, 1):
        pointers = []
        for text in [f"rationale: {line.rationale}"] + [
                f"evidence {ev.label} '{ev.text}' at characters {ev.start}-{ev.end}" for ev in line.evidence]:
            info.append({
                "sequence": len(info) + 1,
                "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory",
                                         "code": "info"}]},
                "valueString": text,
            })
            pointers.append(len(info))
        item = {
            "sequence": number,
            "informationSequence": pointers,
            "productOrService": {"coding": [{"system": CPT_SYSTEM, "code": line.code, "display": line.description}]},
            "quantity": {"value": line.units},
        }
        if line.modifiers:
            item["modifier"] = [{"coding": [{"system": CPT_SYSTEM, "code": m}]} for m in line.modifiers]
        items.append(item)
    claim = {
        "resourceType": "Claim",
        "id": (result.sha256 or "note")[:16],
        "status": "draft",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}]},
        "use": "claim",
        "patient": unknown,
        "created": created,
        "provider": unknown,
        "priority": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/processpriority", "code": "normal"}]},
        "insurance": [{"sequence": 1, "focal": True, "coverage": unknown}],
    }
    if info:
        claim["supportingInfo"] = info
    if items:
        claim["item"] = items
    return claim


def write_fhir(results: list[NoteResult], stream: TextIO) -> None:
    """One Claim for one note; a Bundle of Claims for several."""
    from datetime import date

    created = date.today().isoformat()
    claims = [to_fhir_claim(result, created) for result in results]
    resource = claims[0] if len(claims) == 1 else {
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{_uuid(result)}", "resource": claim} for result, claim in zip(results, claims, strict=True)],
    }
    json.dump(resource, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def _uuid(result: NoteResult) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vertcode:{result.note}:{result.sha256}"))
