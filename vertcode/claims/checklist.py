"""The medical-necessity checklist of the Medicare coverage policies (patterns/claims/lcd.json).

Each element is found with the spans that document it, or missing with the query a CDI specialist
sends; the words are patterns/claims/reading.json, the elements, thresholds, exemptions and policy
ids are lcd.json. The thresholds come from summaries of the LCDs (lcd.json says which are
confirmed), so an element's `detail` names what was measured against what.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vertcode import levels as level_names
from vertcode.claim_model import ChecklistItem, ClaimText, Diagnosis, Mention
from vertcode.claim_patterns import load_claim_reading
from vertcode.model import CodeLine, Evidence
from vertcode.patterns import PatternError, default_dir

_VERTEBRAL = ("22510", "22511", "22512", "22513", "22514", "22515")


@dataclass(frozen=True)
class Element:
    id: str
    policies: tuple[str, ...]
    query: str
    thresholds: dict
    exemptions: tuple
    confirmed: bool
    #: Its phrase must be stated, not denied ("no edema" documents no acute fracture).
    stated: bool = False


@lru_cache(maxsize=4)
def load(directory: str | Path | None = None) -> tuple[Element, ...]:
    """lcd.json's elements; each one the reading knows (or computes) must be there."""
    path = Path(directory or default_dir()) / "claims" / "lcd.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PatternError(f"{path}: cannot read the coverage policies ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise PatternError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    elements = []
    for i, row in enumerate(data.get("elements", [])):
        try:
            if not isinstance(row.get("stated", False), bool):
                raise PatternError(f"{path}: elements[{i}] ({row['id']}): 'stated' must be true or false")
            elements.append(
                Element(
                    row["id"],
                    tuple(row["policies"]),
                    row["query"],
                    row.get("thresholds") or {},
                    tuple(row.get("exemptions") or ()),
                    bool(row.get("confirmed")),
                    row.get("stated", False),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise PatternError(f"{path}: elements[{i}]: missing or malformed {exc}") from None
    known = {row["element"] for row in load_claim_reading(directory)["checklist"]} | set(_COMPUTED)
    unknown = [e.id for e in elements if e.id not in known]
    if unknown:
        raise PatternError(f"{path}: elements {unknown} have no reading in claims/reading.json")
    return tuple(elements)


def check(
    codes: Sequence[CodeLine],
    text: ClaimText,
    diagnoses: Sequence[Diagnosis],
    *,
    elements: Sequence[Element],
) -> list[ChecklistItem]:
    """Every element of the policies, in lcd.json's order, for the note's coded levels."""
    if not any(c.code in _VERTEBRAL or c.code in ("0200T", "0201T", "22899") for c in codes):
        return []  # a biopsy or sedation alone: the vertebral augmentation policies do not apply
    found: dict[str, list[Evidence]] = {}
    stated = {e.id for e in elements if e.stated}
    for mention in text.elements:
        if mention.kind in stated and mention.certainty == "negated":
            continue
        found.setdefault(mention.kind, []).append(mention.evidence)
    levels = [lv for c in codes if c.code in _VERTEBRAL or c.code in ("0200T", "0201T", "22899") for lv in c.levels]
    context = _Context(levels=list(dict.fromkeys(levels)), text=text, diagnoses=list(diagnoses))
    items = []
    for element in elements:
        compute = _COMPUTED.get(element.id)
        item = compute(element, context) if compute else _phrase(element, found.get(element.id, []))
        items.append(item)
    return items


@dataclass
class _Context:
    levels: list[str]
    text: ClaimText
    diagnoses: list[Diagnosis]

    @property
    def neoplastic(self) -> bool:
        return any(d.code.startswith(("M84.5", "C", "D18")) for d in self.diagnoses)

    @property
    def myeloma(self) -> bool:
        return any(d.code.startswith("C90.0") for d in self.diagnoses)

    @property
    def osteoporotic(self) -> bool:
        return any(d.code.startswith("M80") for d in self.diagnoses)


def _item(element: Element, status: str, evidence=(), detail: str | None = None) -> ChecklistItem:
    query = element.query if status in ("missing", "contraindicated") else None
    return ChecklistItem(element.id, status, list(element.policies), list(evidence)[:3], query, detail)


def _phrase(element: Element, evidence: list[Evidence]) -> ChecklistItem:
    return _item(element, "found" if evidence else "missing", evidence)


def _pain(element: Element, context: _Context) -> ChecklistItem:
    scores = context.text.pain_scores
    hospitalized = bool(context.text.hospitalized)
    thresholds = element.thresholds
    key = "hospitalized" if hospitalized else "not_hospitalized"
    minimum = thresholds.get(key, {}).get("min", 8 if hospitalized else 5)
    if not scores:
        return _item(element, "missing")
    best, span = max(scores, key=lambda s: s[0])
    where = "hospitalized" if hospitalized else "not hospitalized"
    detail = f"pain {best}/10 before the procedure ({where}: at least {minimum})"
    return _item(element, "found" if best >= minimum else "missing", [span], detail)


def _contraindication(element: Element, context: _Context) -> ChecklistItem:
    flags = [m for m in context.text.red_flags if m.kind in ("infection", "pregnancy") and m.certainty == "certain"]
    if flags:
        return _item(element, "contraindicated", [m.evidence for m in flags], f"documented: {flags[0].evidence.text}")
    denied = [m.evidence for m in context.text.elements if m.kind == element.id]
    return _item(element, "found" if denied else "missing", denied)


def _bone_health(element: Element, context: _Context) -> ChecklistItem:
    if context.neoplastic and not context.osteoporotic:
        return _item(
            element,
            "not-applicable",
            detail="a neoplastic fracture: the policies ask a bone-health plan for osteoporotic ones",
        )
    evidence = [m.evidence for m in context.text.elements if m.kind == element.id]
    return _item(element, "found" if evidence else "missing", evidence)


def _level_range(element: Element, context: _Context) -> ChecklistItem:
    first, last = element.thresholds.get("first", "T1"), element.thresholds.get("last", "L5")
    outside = [
        lv
        for lv in context.levels
        if lv == level_names.SACRUM
        or lv in level_names.VARIANT_LEVELS
        or not level_names.rank(first) <= level_names.rank(lv) <= level_names.rank(last)
    ]
    if outside:
        return _item(element, "caution", detail=f"{', '.join(outside)} outside {first}-{last}")
    return _item(element, "found", detail=f"{', '.join(context.levels)} within {first}-{last}")


def _level_count(element: Element, context: _Context) -> ChecklistItem:
    limit = element.thresholds.get("max_levels_per_session", 3)
    vertebral = [lv for lv in context.levels if lv != level_names.SACRUM]
    if len(vertebral) <= limit:
        return _item(element, "found", detail=f"{len(vertebral)} level(s) in the session (more than {limit}: caution)")
    if context.myeloma:
        return _item(element, "not-applicable", detail=f"{len(vertebral)} levels; multiple myeloma is exempt (A56572)")
    return _item(element, "caution", detail=f"{len(vertebral)} levels in one session: more than {limit}")


def _malignant(element: Element, context: _Context) -> ChecklistItem:
    if not context.neoplastic:
        return _item(element, "not-applicable", detail="no neoplastic diagnosis")
    return _item(
        element, "found", [e for d in context.diagnoses if d.code.startswith(("C", "D18")) for e in d.evidence]
    )


def _prophylactic(element: Element, context: _Context) -> ChecklistItem:
    said: list[Mention] = [m for m in context.text.red_flags if m.kind == "prophylactic" and m.certainty == "certain"]
    if said:
        return _item(element, "caution", [m.evidence for m in said], "a level treated prophylactically")
    return _item(element, "found", detail="no level documented as treated prophylactically")


_COMPUTED = {
    "pain-severity": _pain,
    "no-absolute-contraindication": _contraindication,
    "bone-health-plan": _bone_health,
    "levels-T1-L5": _level_range,
    "more-than-three-levels": _level_count,
    "malignant-indication": _malignant,
    "no-prophylactic-treatment": _prophylactic,
}
