"""Writing results as draft FHIR R4 Claims."""

from __future__ import annotations

import json
from typing import TextIO

from vertcode.model import NoteResult

CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"


def to_fhir_claim(result: NoteResult, created: str) -> dict:
    """A draft FHIR R4 Claim: one item per code line (units as quantity, modifiers), the evidence
    and rationale as supportingInfo the items point to. Patient, provider and coverage are not
    in an operative note; the billing system fills them in."""
    unknown = {"display": "to be completed by the billing system"}
    info: list[dict] = []
    items: list[dict] = []
    for number, line in enumerate(result.codes, 1):
        pointers = []
        for text in [f"rationale: {line.rationale}"] + [
            f"evidence {ev.label} '{ev.text}' at characters {ev.start}-{ev.end}" for ev in line.evidence
        ]:
            info.append(
                {
                    "sequence": len(info) + 1,
                    "category": {
                        "coding": [
                            {"system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory", "code": "info"}
                        ]
                    },
                    "valueString": text,
                }
            )
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
    resource = (
        claims[0]
        if len(claims) == 1
        else {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": f"urn:uuid:{_uuid(result)}", "resource": claim}
                for result, claim in zip(results, claims, strict=True)
            ],
        }
    )
    json.dump(resource, stream, ensure_ascii=False, indent=2, allow_nan=False)
    stream.write("\n")


def _uuid(result: NoteResult) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vertcode:{result.note}:{result.sha256}"))
