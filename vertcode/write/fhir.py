"""Writing results as draft FHIR R4 Claims."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import date
from typing import TextIO

from vertcode.model import NoteResult

CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
_INFO = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory", "code": "info"}]}
#: The kinds of vertcode's flags (README, "The flags"), as the code of a flag's supportingInfo.
FLAG_SYSTEM = "urn:vertcode:flag"


def to_fhir_claim(result: NoteResult, created: str) -> dict:
    """A draft FHIR R4 Claim: one item per code line (units as quantity, modifiers), the evidence
    and rationale as supportingInfo the items point to, and each flag and error as supportingInfo
    of its own (a flag's code is its kind), which the items it puts under review point to too.
    Patient, provider and coverage are not in an operative note; the billing system fills them in."""
    unknown = {"display": "to be completed by the billing system"}
    info: list[dict] = []

    def add(text: str, code: str | None = None) -> int:
        info.append({"sequence": len(info) + 1, "category": _INFO, "valueString": text})
        if code:
            info[-1]["code"] = {"coding": [{"system": FLAG_SYSTEM, "code": code}]}
        return len(info)

    flags: dict[str, list[int]] = {}
    for flag in result.flags:
        flags.setdefault(flag.kind, []).append(add(f"flag {flag.kind}: {flag.message}", flag.kind))
    for error in result.errors:
        add(f"error: {error}")
    claim_part = result.claim
    diagnoses = claim_part.diagnoses if claim_part else []
    if claim_part:
        for query in claim_part.queries:
            add(f"query {query.kind}: {query.question}", f"query-{query.kind}")
        for edit in claim_part.edits:
            add(f"edit {edit.kind} ({edit.severity}) on {edit.code}: {edit.message}", f"edit-{edit.kind}")
    items: list[dict] = []
    for number, line in enumerate(result.codes, 1):
        pointers = [add(f"rationale: {line.rationale}")]
        pointers += [add(f"evidence {ev.label} '{ev.text}' at characters {ev.start}-{ev.end}") for ev in line.evidence]
        pointers += [n for reason in line.review_reasons for n in flags.get(reason, [])]
        item = {
            "sequence": number,
            "informationSequence": pointers,
            "productOrService": {"coding": [{"system": CPT_SYSTEM, "code": line.code, "display": line.description}]},
            "quantity": {"value": line.units},
        }
        if line.modifiers:
            item["modifier"] = [{"coding": [{"system": CPT_SYSTEM, "code": m}]} for m in line.modifiers]
        pointing = [n for n, d in enumerate(diagnoses, 1) if line.code in d.lines]
        if pointing:
            item["diagnosisSequence"] = pointing
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
    if diagnoses:
        claim["diagnosis"] = [
            {
                "sequence": n,
                "diagnosisCodeableConcept": {
                    "coding": [{"system": ICD10CM_SYSTEM, "code": d.code, "display": d.description}]
                },
            }
            for n, d in enumerate(diagnoses, 1)
        ]
    if info:
        claim["supportingInfo"] = info
    if items:
        claim["item"] = items
    return claim


def write_fhir(results: list[NoteResult], stream: TextIO) -> None:
    """One Claim for one note; a Bundle of Claims for several."""
    if len(results) == 1:
        json.dump(
            to_fhir_claim(results[0], date.today().isoformat()), stream, ensure_ascii=False, indent=2, allow_nan=False
        )
        stream.write("\n")
    else:
        write_fhir_bundle(results, stream)


def write_fhir_bundle(results: Iterable[NoteResult], stream: TextIO) -> None:
    """A Bundle of Claims, one entry a line, written as the results come: a batch of any size
    never holds more than one Claim in memory."""
    created = date.today().isoformat()
    stream.write('{"resourceType": "Bundle", "type": "collection", "entry": [')
    for i, result in enumerate(results):
        entry = {"fullUrl": f"urn:uuid:{_uuid(result)}", "resource": to_fhir_claim(result, created)}
        stream.write(("," if i else "") + "\n" + json.dumps(entry, ensure_ascii=False, allow_nan=False))
    stream.write("\n]}\n")


def _uuid(result: NoteResult) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vertcode:{result.note}:{result.sha256}"))
