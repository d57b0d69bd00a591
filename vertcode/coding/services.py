"""Services beside the procedure: what it includes (rule 10), a biopsy of another level
(rule 11) and moderate sedation (rule 12)."""

from __future__ import annotations

from collections.abc import Mapping

from vertcode.coding.common import join
from vertcode.levels import SACRUM
from vertcode.model import CodeLine, Evidence, Extraction, Finding, Flag

ADDONS = frozenset({"22512", "22515"})


def note_included(codes: list[CodeLine], treated: list[Finding], extraction: Extraction) -> None:
    """Rule 10: name the included services in the first primary's rationale, and cite them."""
    primaries = [line for line in codes if line.code not in ADDONS]
    if not primaries:
        return
    levels = {f.level for f in treated}
    biopsies = [ev for ev, named in extraction.biopsies if not named or levels.intersection(named)]
    services = dict.fromkeys(service for service, _, _ in extraction.included)
    if biopsies:
        services["bone biopsy of a treated level"] = None
    if not services:
        return
    primaries[0].rationale += f" Included, not reported separately (rule 10): {join(services)}."
    # Cite each included service once (a note names its fluoroscopy in every other sentence), on
    # the lines of the levels its sentence is about: T8's balloon reduction is not T7's.
    cited = {(service, ev.text.lower()): (ev, about) for service, ev, about in reversed(extraction.included)}
    spans = [*cited.values(), *((ev, named) for ev, named in extraction.biopsies if ev in biopsies)]
    for ev, about in spans:
        for line in [line for line in codes if set(about) & set(line.levels)] or primaries[:1]:
            if ev not in line.evidence:
                line.evidence = sorted([*line.evidence, ev])


def other_biopsies(
    treated: list[Finding], extraction: Extraction, descriptions: Mapping[str, str]
) -> tuple[list[CodeLine], list[Flag]]:
    """Rule 11: a bone biopsy of a level not treated this session is reported on its own. The
    sacral segments (S1 to S5) are the sacrum a sacroplasty treats."""
    levels = {f.level for f in treated}
    if any(f.level == SACRUM or f.technique == "sacroplasty" for f in treated):
        levels |= {SACRUM, *(f"S{n}" for n in range(1, 6))}
    others: dict[str, list[Evidence]] = {}
    for ev, named in extraction.biopsies:
        for level in named:
            if level not in levels:
                others.setdefault(level, []).append(ev)
    if not others:
        return [], []
    evidence = sorted({ev for evs in others.values() for ev in evs})
    # XS marks a distinct site beside the treated levels; a biopsy alone needs none.
    line = CodeLine(
        code="20225",
        units=len(others),
        levels=list(others),
        description=descriptions["20225"],
        rationale=(
            f"Bone biopsy of {join(others)}, a level not treated this session, is reported separately (rule 11)"
            + (", with modifier XS as a distinct site." if treated else ".")
        ),
        modifiers=["XS"] if treated else [],
        review_reasons=["biopsy-other-level"],
        evidence=evidence,
    )
    flag = Flag(
        "biopsy-other-level",
        f"Bone biopsy of {join(others)}, which was not augmented this session: 20225{'-XS' if treated else ''} "
        "suggested; confirm the site and that it was a separate needle pass.",
        evidence,
    )
    return [line], [flag]


def sedation(extraction: Extraction, coded: bool, descriptions: Mapping[str, str]) -> tuple[list[CodeLine], list[Flag]]:
    """Rule 12: moderate sedation by the proceduralist, coded only with time and observer, and
    only beside a procedure code or an attempt begun and abandoned (`coded`)."""
    documented = extraction.sedation
    if not documented.evidence or not coded:
        return [], []
    minutes, observer = documented.minutes, documented.observer
    if documented.anesthesia:
        if minutes is None or not observer:
            return [], []  # another provider's sedation: not the proceduralist's to code
        # The proceduralist's sedation, timed and observed, beside another provider's anesthesia:
        # one of them is wrong, and 99152 would be coded, or lost, on a guess.
        return [], [
            Flag(
                "sedation-provider-conflict",
                "The note documents anesthesia by another provider and also the proceduralist's "
                f"moderate sedation with an observer and {minutes} minutes: 99152/99153 are not "
                "suggested. Confirm who provided the sedation.",
                sorted(set(documented.anesthesia + documented.evidence + observer)),
            )
        ]
    if minutes is None or not observer:
        missing = " and ".join(
            m
            for m, gap in (
                ("the intra-service time", minutes is None),
                ("an independent trained observer", not observer),
            )
            if gap
        )
        return [], [
            Flag(
                "sedation-time-missing",
                f"Moderate sedation is documented without {missing}: 99152/99153 need both. "
                "Query the physician; some payers bundle sedation.",
                documented.evidence + observer,
            )
        ]
    if minutes < 10:
        return [], []
    evidence = sorted(set(documented.evidence + observer))
    lines = [
        CodeLine(
            code="99152",
            units=1,
            levels=[],
            description=descriptions["99152"],
            rationale=(
                f"Moderate sedation by the proceduralist with an independent trained observer, "
                f"{minutes} minutes intra-service: 99152 for the first 15 minutes (at least 10)."
            ),
            evidence=evidence,
        )
    ]
    extra = sedation_addon_units(minutes)
    if extra:
        lines.append(
            CodeLine(
                code="99153",
                units=extra,
                levels=[],
                description=descriptions["99153"],
                rationale=(
                    f"{minutes} minutes: +99153 for each further 15 minutes, a unit counted once 8 of them have passed."
                ),
                evidence=evidence,
            )
        )
    return lines, []


def sedation_addon_units(minutes: int) -> int:
    """+99153 units: each 15 minutes past the first 15, counted once its midpoint (8) is passed."""
    beyond = minutes - 15
    return 0 if beyond < 8 else 1 + (beyond - 8) // 15
