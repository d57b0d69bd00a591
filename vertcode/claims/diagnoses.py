"""Which ICD-10-CM codes a note supports for its coded levels, or what the physician is asked.

The rules are vertcode/docs/diagnosis-rules.md (D1-D6); the words they read are
patterns/claims/reading.json, read by vertcode.nlp.claim_reader into `ClaimText` mentions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vertcode import levels as level_names
from vertcode.claim_model import ClaimText, Diagnosis, Mention, Query
from vertcode.claims.icd10 import Icd10Code
from vertcode.model import CodeLine, Evidence, Finding

#: Osteoporosis is the patient's, not one level's (I.C.13.d.2): it applies to every fracture.
OSTEOPOROSIS = ("osteoporosis-other", "osteoporosis")
#: Neoplasms named well enough to code, with their code.
NEOPLASMS = {
    "metastasis": "C79.51",
    "myeloma": "C90.00",
    "myeloma-remission": "C90.01",
    "myeloma-relapse": "C90.02",
    "plasmacytoma": "C90.30",
    "hemangioma": "D18.09",
}
#: Causes that are words of the fracture itself: they say the bone was weak, not why.
_WEAK_BONE = ("pathologic", "insufficiency", "stress", "fragility", "low-energy")
_DESCRIPTIVE = (*_WEAK_BONE, "osteopenia")
_TRAUMA = ("trauma", "high-energy")
_REGION_DIGIT = {"C": "2", "T": "4", "L": "6", "S": "8"}
_FRACTURE_TYPES = (
    ("unstable-burst", "unstable burst"),
    ("stable-burst", "stable burst"),
    ("burst", None),  # stability not said: a query
    ("wedge", "wedge compression"),
)
_TYPE_KINDS = frozenset(kind for kind, _ in _FRACTURE_TYPES)
_NOTES = {
    "C79.51": "Code also the primary neoplasm (or its history, Z85.-) from the record.",
    "M80.88XA": "Add the adverse-effect code of the drug (T38.0X5A for glucocorticoids) where the record supports it.",
    "traumatic": "External-cause codes (V00-Y99) are the coder's to add from the record.",
}


@dataclass
class _Level:
    """What one coded level's fracture is: its codes, or the query it needs."""

    level: str
    codes: list[str] = field(default_factory=list)
    query: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


def suggest(
    codes: Sequence[CodeLine],
    findings: Sequence[Finding],
    text: ClaimText,
    *,
    table: dict[str, Icd10Code],
    questions: dict[str, str],
) -> tuple[list[Diagnosis], list[Query]]:
    """The diagnoses of the coded levels in the order of the code lines, and the queries."""
    reading = _Reading(text)
    # A level only biopsied, with no fracture said at it, waits for its pathology: the coder
    # codes the lesion from the report, there is nothing to ask the physician yet.
    treated = {level for line in codes if line.code != "20225" for level in line.levels}
    levels = _coded_levels(codes)
    coded = [lv for lv in levels if lv in treated or reading.fracture_at(lv)]
    side = _sacral_side(findings)
    answers = [reading.level(level, side, table) for level in coded]
    if not coded and levels:
        # Only biopsies, of levels with no fracture said: the diagnosis is the pathology's.
        answers = [_Level(level, query="pathology-pending") for level in levels]
    return _diagnoses(answers, codes, table), _queries(answers, questions)


def _sacral_side(findings: Sequence[Finding]) -> str | None:
    """The side(s) of the sacrum treated, over every sacral finding ("S1 right", "S2 right")."""
    sides = {f.laterality for f in findings if f.status == "treated" and _is_sacral(f.level) and f.laterality}
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return next(iter(sides)) if len(sides) == 1 else None


def _is_sacral(level: str) -> bool:
    return level == level_names.SACRUM or level.startswith("S")


def _coded_levels(codes: Sequence[CodeLine]) -> list[str]:
    out: list[str] = []
    for line in codes:
        for level in line.levels:
            if level not in out:
                out.append(level)
    return out


class _Reading:
    """The note's certain mentions, by level, with the postoperative diagnosis over the preoperative."""

    def __init__(self, text: ClaimText):
        causes = [m for m in text.causes if _counts(m)]
        if any(m.section == "diagnosis-post" for m in causes):
            # The postoperative diagnosis is what was found: it replaces the preoperative one.
            causes = [m for m in causes if m.section != "diagnosis"]
        self.causes = causes
        self.fractures = [m for m in text.fractures if m.certainty == "certain"]
        self.osteoporosis = [m for m in text.causes if m.kind in OSTEOPOROSIS and m.certainty in ("certain", "past")]
        self.fracture_sentences = {m.sentence for m in self.fractures}
        self.unbroken = {lv for m in text.fractures if m.certainty == "negated" for lv in m.levels}
        self.unbroken |= {
            lv for m in text.causes if m.kind in _WEAK_BONE and m.certainty == "negated" for lv in m.levels
        }
        #: The myeloma's state is the patient's: "in remission" said once holds for every level.
        self.myeloma_state = next(
            (m.kind for m in causes if m.kind in ("myeloma-remission", "myeloma-relapse")), "myeloma"
        )
        #: A neoplasm only suspected: what is certain is not the whole story, so no cause is guessed.
        self.suspected = [m for m in text.causes if m.certainty == "uncertain" and _neoplastic(m.kind)]

    def fracture_at(self, level: str) -> bool:
        return any(level in m.levels for m in self.fractures if m.kind not in ("nonunion", "delayed-healing"))

    def of(self, mentions: list[Mention], level: str) -> list[Mention]:
        """The level's own mentions if it has any, else those naming no level (D2)."""
        own = [m for m in mentions if level in m.levels]
        return own or [m for m in mentions if not m.levels]

    def level(self, level: str, side: str | None, table: dict[str, Icd10Code]) -> _Level:
        answer = _Level(level)
        # Words of the weak bone ("pathologic fracture") describe the fracture; they do not stop
        # a cause written elsewhere ("metastatic breast cancer") from being its cause.
        real = [m for m in self.causes if m.kind not in OSTEOPOROSIS and m.kind not in _DESCRIPTIVE]
        causes = self.of(real, level) + [m for m in self.causes if m.kind in _DESCRIPTIVE]
        kinds = {m.kind for m in causes}
        fractures = self.of(self.fractures, level)
        fracture_kinds = {m.kind for m in fractures}
        broken = bool(fracture_kinds - {"nonunion", "delayed-healing"}) or bool(kinds & set(_WEAK_BONE))
        if level in self.unbroken and not any(level in m.levels for m in self.fractures):
            # "Osteolytic metastasis of C2 without pathologic fracture": the level's own words
            # outweigh a fracture word elsewhere in the note.
            broken = False
        seventh = "K" if "nonunion" in fracture_kinds else "G" if "delayed-healing" in fracture_kinds else "A"
        sacral = _is_sacral(level)
        first_fracture = [m.evidence for m in fractures[:1]]

        def cite(*wanted: str) -> list[Evidence]:
            return [m.evidence for m in causes if m.kind in wanted][:2] + first_fracture

        neoplasms = [m for m in causes if m.kind in NEOPLASMS]
        if not neoplasms and any(m.kind == "neoplasm-unnamed" and level in m.levels for m in causes):
            # "Lytic lesion at T6" in a patient whose myeloma the history names: the named one.
            neoplasms = [m for m in self.causes if m.kind in NEOPLASMS and not m.levels]
        suspected = bool(self.of(self.suspected, level))
        if "cause-unknown" in kinds:
            answer.query, answer.evidence = "fracture-etiology", cite("cause-unknown")
        elif neoplasms:
            if broken:
                answer.codes.append(_with_seventh("M84.58XA", seventh, table))
            named = [self.myeloma_state if m.kind.startswith("myeloma") else m.kind for m in neoplasms]
            answer.codes += list(dict.fromkeys(NEOPLASMS[kind] for kind in named))
            answer.evidence = [m.evidence for m in neoplasms][:2] + first_fracture
        elif any(m.kind == "neoplasm-unnamed" and (m.levels or m.sentence in self.fracture_sentences) for m in causes):
            answer.query, answer.evidence = "neoplasm-type", cite("neoplasm-unnamed")
        elif self.osteoporosis:
            # A high-energy injury anywhere in the note competes with the patient's osteoporosis.
            if "high-energy" in kinds or any(m.kind == "high-energy" and not m.levels for m in self.causes):
                answer.query, answer.evidence = "trauma-or-osteoporosis", cite("high-energy")
            else:
                other = any(m.kind == "osteoporosis-other" for m in self.osteoporosis)
                answer.codes = _osteoporotic(other, sacral, side, seventh, table)
                answer.evidence = [self.osteoporosis[0].evidence] + first_fracture
        elif kinds & set(_TRAUMA) and "nontraumatic" not in kinds:
            answer.evidence = cite(*_TRAUMA)
            # The fracture's type where the level's own words say none: "an acute compression
            # fracture" written without its level.
            types = fracture_kinds if fracture_kinds & _TYPE_KINDS else {m.kind for m in self.fractures if not m.levels}
            code = _traumatic(level, types, seventh, table)
            if code is None:
                answer.query = "fracture-type" if "burst" in fracture_kinds else "fracture-etiology"
            else:
                answer.codes = [code]
        elif "stress" in kinds and not sacral:
            answer.codes, answer.evidence = [_regional("M48.4", level, seventh, table)], cite("stress")
        elif sacral and "insufficiency" in kinds:
            answer.codes, answer.evidence = [_with_seventh("M84.454A", seventh, table)], cite("insufficiency")
        elif "nontraumatic" in kinds and broken and not sacral and not suspected and "pathologic" not in kinds:
            answer.codes, answer.evidence = [_regional("M48.5", level, seventh, table)], cite("nontraumatic")
        else:
            answer.query = "fracture-etiology"
            answer.evidence = [m.evidence for m in causes][:2] + first_fracture
        answer.codes = [c for c in answer.codes if c]
        if not answer.codes and answer.query is None:
            answer.query = "fracture-etiology"
        return answer


def _neoplastic(kind: str) -> bool:
    return kind in NEOPLASMS or kind == "neoplasm-unnamed"


def _counts(mention: Mention) -> bool:
    """A certain statement counts; osteoporosis in the history is current (a chronic disease); and
    a cause said to be unknown stays unknown however doubtful its sentence ("of uncertain etiology,
    question old trauma versus pathologic")."""
    return (
        mention.certainty == "certain"
        or (mention.kind in OSTEOPOROSIS and mention.certainty == "past")
        or (mention.kind == "cause-unknown" and mention.certainty == "uncertain")
    )


def _osteoporotic(other: bool, sacral: bool, side: str | None, seventh: str, table) -> list[str]:
    stem = "M80.8" if other else "M80.0"
    if not sacral:
        return [_with_seventh(f"{stem}8XA", seventh, table)]
    # The pelvis codes (FY2025) by side; bilateral work is both sides.
    digits = {"right": ["1"], "left": ["2"], "bilateral": ["1", "2"]}.get(side or "", ["9"])
    return [_with_seventh(f"{stem}B{d}A", seventh, table) for d in digits]


def _traumatic(level: str, fracture_kinds: set[str], seventh: str, table) -> str | None:
    """S22.0- / S32.0- for the level and the fracture's type; None when the level has no such
    code (cervical, sacral) or the type needs a query (a burst fracture of unsaid stability)."""
    if level[:1] not in ("T", "L") or level in level_names.VARIANT_LEVELS:
        return None
    wanted = "unspecified"
    for kind, name in _FRACTURE_TYPES:
        if kind in fracture_kinds:
            if name is None:
                return None
            wanted = name
            break
    region = (level, level)
    candidates = [
        row
        for row in table.values()
        if row.category == "traumatic"
        and row.seventh == "A"
        and row.fracture_type == wanted
        and row.levels is not None
        and level_names.rank(row.levels[0]) <= level_names.rank(region[0])
        and level_names.rank(region[1]) <= level_names.rank(row.levels[1])
    ]
    if not candidates:
        return None
    narrowest = min(candidates, key=lambda r: level_names.rank(r.levels[1]) - level_names.rank(r.levels[0]))
    return _with_seventh(narrowest.code, seventh, table)


def _regional(stem: str, level: str, seventh: str, table) -> str:
    return _with_seventh(f"{stem}{_REGION_DIGIT[level[0]]}XA", seventh, table)


def _with_seventh(code: str, seventh: str, table) -> str:
    """The code with the encounter's 7th character, where the tabular has it."""
    wanted = code[:-1] + seventh
    if wanted in table:
        return wanted
    return code if code in table else ""


def _diagnoses(answers: list[_Level], codes: Sequence[CodeLine], table: dict[str, Icd10Code]) -> list[Diagnosis]:
    out: dict[str, Diagnosis] = {}
    for answer in answers:
        for code in answer.codes:
            row = table[code]
            diagnosis = out.get(code)
            if diagnosis is None:
                note = row.mapping_note or _NOTES.get(code) or _NOTES.get(row.category)
                diagnosis = out[code] = Diagnosis(code, row.description, review=note)
            diagnosis.levels.append(answer.level)
            for span in answer.evidence:
                if span not in diagnosis.evidence:
                    diagnosis.evidence.append(span)
    diagnoses = list(out.values())
    for diagnosis in diagnoses:
        diagnosis.lines = [c.code for c in codes if set(c.levels) & set(diagnosis.levels)]
    if diagnoses:
        # Sedation has no level: it supports the procedure the first diagnosis is the reason for.
        diagnoses[0].lines += [c.code for c in codes if not c.levels and c.code not in diagnoses[0].lines]
    return diagnoses


def _queries(answers: list[_Level], questions: dict[str, str]) -> list[Query]:
    out: dict[str, Query] = {}
    for answer in answers:
        if answer.query is None:
            continue
        query = out.setdefault(answer.query, Query(answer.query, ""))
        query.levels.append(answer.level)
        for span in answer.evidence:
            if span not in query.evidence:
                query.evidence.append(span)
    for query in out.values():
        query.question = questions[query.kind].format(levels=", ".join(query.levels))
    return list(out.values())
