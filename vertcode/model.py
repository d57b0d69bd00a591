"""The plain data that flows from the pipeline to the mapper and the writers.

No spaCy here: the mapper and the writers work on these dataclasses alone, and `to_dict` gives
the stable JSON contract other tools read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vertcode.claim_model import Claim, ClaimText
from vertcode.evidence import Evidence

#: The version of the JSON contract (`NoteResult.to_dict`), in every result as "schema"; bumped
#: with every change a reader must know of, and described by vertcode/schema/result.schema.json.
SCHEMA = "vertcode/result/3"


@dataclass
class Finding:
    """One vertebral body (or the sacrum) and what the note says was done to it.

    `technique` is what the note documents for the level, `technique_source` where it was read:
    "description" (a sentence showing the steps), "title" (a heading or procedure list), "device"
    (a cavity device named for the level) or "default" (the only technique the note treats with).
    `described` is True when the note shows the steps done at the level, not only its name.
    `titled` is the technique a title or ticked box names when the description shows another.
    `order` sorts findings in procedure order.
    """

    level: str
    status: str
    technique: str | None = None
    device: str | None = None
    approach: str | None = None
    laterality: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    technique_source: str | None = None
    described: bool = False
    titled: str | None = None
    order: int = 0
    #: Sides the note says were attempted and abandoned ("the left side was abandoned").
    abandoned_sides: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "level": self.level,
            "technique": self.technique,
            "device": self.device,
            "approach": self.approach,
            "laterality": self.laterality,
            "status": self.status,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass
class Sedation:
    """Moderate sedation as documented: what rule 12 needs to decide 99152/99153."""

    evidence: list[Evidence] = field(default_factory=list)
    minutes: int | None = None
    observer: list[Evidence] = field(default_factory=list)
    #: An anesthesia provider (general anesthesia, MAC): sedation is theirs to report, not ours.
    anesthesia: list[Evidence] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything the pipeline read from one note that the coding rules need."""

    findings: list[Finding] = field(default_factory=list)
    #: Procedure words or devices documented as done, but with no level to attach them to.
    unplaced: list[Evidence] = field(default_factory=list)
    #: Services these codes include (rule 10): (service, evidence, the levels its sentence is about),
    #: e.g. ("imaging guidance", ..., ("T7",)); no levels when the sentence is about none.
    included: list[tuple[str, Evidence, tuple[str, ...]]] = field(default_factory=list)
    #: Bone biopsy documented, with the levels it names (empty when none is named).
    biopsies: list[tuple[Evidence, tuple[str, ...]]] = field(default_factory=list)
    sedation: Sedation = field(default_factory=Sedation)
    #: Cement is documented somewhere in the note, not as history or plan.
    cement_documented: bool = False
    #: An open operation documented (laminectomy, fusion, pedicle screws).
    open_procedure: list[Evidence] = field(default_factory=list)
    #: Pedicle screws documented, and whether the note places them percutaneously (stab
    #: incisions, K-wires): open screws are an open operation, percutaneous ones are not.
    screws: list[Evidence] = field(default_factory=list)
    percutaneous_screws: bool = False
    #: Screws the note augments with cement (fenestrated, "cement-augmented", "in-screw PMMA"):
    #: cement through a screw is not vertebroplasty, however the screw went in (rule 13).
    augmented_screws: bool = False
    #: The description turns to open surgery only after the percutaneous cement (a leak
    #: decompressed, a conversion to open): the percutaneous work stands.
    open_after_cement: bool = False
    #: A cavity device the note says was not used ("no balloon was used", "[ ] Curette").
    device_denied: list[Evidence] = field(default_factory=list)
    #: Levels a title or procedure list names as treated that the description never shows.
    title_only: list[Finding] = field(default_factory=list)
    #: Cement documented in the procedure (not under FINDINGS).
    cement: list[Evidence] = field(default_factory=list)
    #: Techniques, devices and cement read from a misheard, respelled or split form.
    approximate: list[Evidence] = field(default_factory=list)
    #: The note documents no procedure done in this encounter (a clinic, emergency, consult or
    #: imaging note): the signals that say so, and the levels it names as treated before.
    visit_signals: list[Evidence] = field(default_factory=list)
    not_today: list[Finding] = field(default_factory=list)
    #: The opening lines of earlier notes copied into this one that name levels.
    earlier_notes: list[Evidence] = field(default_factory=list)
    #: The technique words and cavity devices of the procedure and its plan, with their context
    #: status (None when none): what a note that codes nothing must explain.
    work_words: list[tuple[Evidence, str | None]] = field(default_factory=list)
    #: "The procedure was terminated / cancelled", said in the procedure.
    stopped: list[Evidence] = field(default_factory=list)
    #: Levels an addendum names: what it corrects is read over the body of the note.
    amended: list[Evidence] = field(default_factory=list)
    #: "The fractured level", read as the one level the note names as fractured.
    resolved_levels: list[Evidence] = field(default_factory=list)
    #: Words written like a level, in a sentence documenting work, that name no vertebra ("T14").
    unreadable_levels: list[Evidence] = field(default_factory=list)
    #: The start of the first sentence not read, the note being past a cap on terms or
    #: modifiers there (vertcode.nlp.bounded_context); None when the note was read to its end.
    unread: Evidence | None = None
    #: What the claim needs beyond the codes; None for a note that documents no work.
    claim_text: ClaimText | None = None

    def move_biopsies(self, wrong: str, right: str) -> None:
        """ "Addendum: the level treated and biopsied was L4, not L3": the biopsy goes with it."""
        self.biopsies = [(ev, tuple(right if v == wrong else v for v in levels)) for ev, levels in self.biopsies]


@dataclass
class CodeLine:
    code: str
    units: int
    levels: list[str]
    description: str
    rationale: str
    modifiers: list[str] = field(default_factory=list)
    #: The kinds of the flags that put this line under a coder's review (empty: none does).
    review_reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def review(self) -> bool:
        return bool(self.review_reasons)

    def mark_review(self, reason: str) -> None:
        if reason not in self.review_reasons:
            self.review_reasons.append(reason)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "units": self.units,
            "levels": list(self.levels),
            "description": self.description,
            "rationale": self.rationale,
            "modifiers": list(self.modifiers),
            "review": self.review,
            "review_reasons": list(self.review_reasons),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass
class Flag:
    kind: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class NoteResult:
    """The answer for one note: the JSON contract."""

    note: str
    codes: list[CodeLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: SHA-256 of the note's bytes (None when it could not be read): ties a result to a version.
    sha256: str | None = None
    #: The id a note carries: a table row's, an HL7 order's, a FHIR resource's (absent otherwise).
    id: object = None
    #: Which extractor gave the text the offsets refer to: text, rtf, docx, pdf, html, hl7, fhir+...
    extractor: str | None = None
    #: What produced the result: {"vertcode": its version, "patterns": a hash of the pattern files}.
    producer: dict[str, str] = field(default_factory=dict)
    #: Diagnoses, queries, coverage checklist and claim edits; None for a note coding nothing.
    claim: Claim | None = None

    @property
    def disposition(self) -> str:
        """ "auto" when nothing in the note is unexplained; "review" when any flag, error or
        code line marked for review says a coder must look (the flags are the reasons)."""
        return "review" if self.flags or self.errors or any(c.review for c in self.codes) else "auto"

    def to_dict(self) -> dict:
        data: dict[str, object] = {
            "schema": SCHEMA,
            "note": self.note,
            "disposition": self.disposition,
            "codes": [c.to_dict() for c in self.codes],
            "findings": [f.to_dict() for f in self.findings],
            "flags": [f.to_dict() for f in self.flags],
            "errors": list(self.errors),
            "sha256": self.sha256,
        }
        if self.claim is not None:
            data["claim"] = self.claim.to_dict()
        if self.id is not None:
            data["id"] = self.id
        if self.extractor is not None:
            data["extractor"] = self.extractor
        data["producer"] = dict(self.producer)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> NoteResult:
        """A result back from its JSON (`to_dict`), for writing it in another format."""

        def spans(items: list[dict]) -> list[Evidence]:
            return [Evidence(e["start"], e["end"], e["text"], e["label"]) for e in items]

        return cls(
            note=data["note"],
            codes=[
                CodeLine(
                    **{k: c[k] for k in ("code", "units", "levels", "description", "rationale", "modifiers")},
                    review_reasons=c["review_reasons"],
                    evidence=spans(c["evidence"]),
                )
                for c in data["codes"]
            ],
            findings=[Finding(**(f | {"evidence": spans(f["evidence"])})) for f in data["findings"]],
            flags=[Flag(f["kind"], f["message"], spans(f["evidence"])) for f in data["flags"]],
            errors=data["errors"],
            sha256=data["sha256"],
            id=data.get("id"),
            extractor=data.get("extractor"),
            producer=data["producer"],
            claim=Claim.from_dict(data["claim"]) if data.get("claim") else None,
        )

    def code_units(self) -> dict[str, int]:
        """{code: units}, the shape gold answers are written in."""
        return {c.code: c.units for c in self.codes}
