"""The plain data of a claim beyond its CPT lines: what the note says (`ClaimText`, read by
vertcode.nlp.claim_reader) and what the claim stage makes of it (`Claim`, vertcode.claims).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vertcode.evidence import Evidence


@dataclass(frozen=True)
class Mention:
    """A phrase the claim reads (a fracture's cause or type, a coverage element), with the
    levels of its sentence (empty: it names none) and how the note states it.

    `certainty`: "certain", "negated", "uncertain" or "past". `section`: the category of its
    section in patterns/sections.json ("diagnosis", "history", ...; "diagnosis-post" for a
    postoperative diagnosis), None before the first title."""

    kind: str
    evidence: Evidence
    levels: tuple[str, ...] = ()
    certainty: str = "certain"
    section: str | None = None
    #: Where its sentence starts: mentions of one sentence are read together.
    sentence: int = 0


@dataclass
class ClaimText:
    """What the note says that the claim needs beyond the codes (vertcode.nlp.claim_reader)."""

    causes: list[Mention] = field(default_factory=list)
    fractures: list[Mention] = field(default_factory=list)
    #: Coverage-checklist phrases, their `kind` the element they document.
    elements: list[Mention] = field(default_factory=list)
    #: Contraindications the policies name (infection, pregnancy, ...), their `kind` which.
    red_flags: list[Mention] = field(default_factory=list)
    #: Pain scores on a 0-10 scale before the procedure: (score, evidence).
    pain_scores: list[tuple[int, Evidence]] = field(default_factory=list)
    #: The patient is hospitalized (the policies ask a higher pain score then).
    hospitalized: list[Evidence] = field(default_factory=list)
    #: The date of service the note states (ISO), with where it says so.
    date_of_service: tuple[str, Evidence] | None = None


@dataclass
class Diagnosis:
    """An ICD-10-CM code suggested for the claim, with the levels and code lines it supports.

    `review` is a coder's note when the mapping itself is not settled (sources disagree)."""

    code: str
    description: str
    levels: list[str] = field(default_factory=list)
    #: The CPT codes of the note's lines this diagnosis supports.
    lines: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    review: str | None = None

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "description": self.description,
            "levels": list(self.levels),
            "lines": list(self.lines),
            "evidence": [e.to_dict() for e in self.evidence],
            "review": self.review,
        }


@dataclass
class Query:
    """A documentation query: what the physician is asked, because the note does not say."""

    kind: str
    question: str
    levels: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "question": self.question,
            "levels": list(self.levels),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass
class ChecklistItem:
    """One medical-necessity element of the coverage policies, found in the note or not.

    `status`: "found", "missing" (then `query` is what to ask), "caution" (a relative limit
    reached, e.g. more than three levels), "contraindicated" (the note documents what the
    policies exclude, e.g. osteomyelitis at the level), "not-applicable" (exempt by the diagnosis)."""

    element: str
    status: str
    policies: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    query: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict:
        return {
            "element": self.element,
            "status": self.status,
            "policies": list(self.policies),
            "evidence": [e.to_dict() for e in self.evidence],
            "query": self.query,
            "detail": self.detail,
        }


@dataclass
class ClaimEdit:
    """A claim edit one charge line breaks (or may break), naming the table row that says so.

    `severity` "edit": the line would be denied or must change; "review": a coder must check
    (the table's value is not confirmed from the payer's files, or the rule is a caution)."""

    kind: str
    code: str
    message: str
    rule: str
    severity: str = "edit"
    source: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
            "rule": self.rule,
            "severity": self.severity,
            "source": list(self.source),
        }


@dataclass
class Claim:
    """What a clean claim needs beyond the CPT lines: diagnoses, queries, checklist, edits.

    `dos` is the date of service (ISO) the tables' versions were chosen by, None when neither
    the note nor the user gave one (then the tables in force today are used)."""

    dos: str | None = None
    diagnoses: list[Diagnosis] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    edits: list[ClaimEdit] = field(default_factory=list)

    @property
    def status(self) -> str:
        """ "clean" when nothing stands in the claim's way, "query" when the physician must be
        asked, "edit" when a line breaks an edit (an edit outranks a query)."""
        if any(e.severity == "edit" for e in self.edits):
            return "edit"
        if self.queries or any(i.status in ("missing", "contraindicated") for i in self.checklist):
            return "query"
        return "clean"

    @classmethod
    def from_dict(cls, data: dict) -> Claim:
        def spans(items: list[dict]) -> list[Evidence]:
            return [Evidence(e["start"], e["end"], e["text"], e["label"]) for e in items]

        return cls(
            dos=data["dos"],
            diagnoses=[Diagnosis(**(d | {"evidence": spans(d["evidence"])})) for d in data["diagnoses"]],
            queries=[Query(**(q | {"evidence": spans(q["evidence"])})) for q in data["queries"]],
            checklist=[ChecklistItem(**(i | {"evidence": spans(i["evidence"])})) for i in data["checklist"]],
            edits=[ClaimEdit(**e) for e in data["edits"]],
        )

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "dos": self.dos,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "queries": [q.to_dict() for q in self.queries],
            "checklist": [i.to_dict() for i in self.checklist],
            "edits": [e.to_dict() for e in self.edits],
        }
