"""The coding rules: from what a note documents to CPT code lines, units and flags.

Plain Python over the dataclasses of `vertcode.model`; it knows nothing of spaCy, so each rule
can be read and tested alone. Rule numbers refer to the project's coding-rules.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from vertcode.coding import families as family_rules
from vertcode.coding import services
from vertcode.coding.common import evidence_of, join
from vertcode.coding.families import Family
from vertcode.levels import SACRUM, region_of
from vertcode.model import CodeLine, Extraction, Finding, Flag

# Regions each family splits its primary code by (rules 2, 3).
_VERTEBROPLASTY_PRIMARY = {"cervical": "22510", "thoracic": "22510", "lumbar": "22511", "sacral": "22511"}
_VERTEBROPLASTY_REGION = {
    "cervical": "cervicothoracic",
    "thoracic": "cervicothoracic",
    "lumbar": "lumbosacral",
    "sacral": "lumbosacral",
}
_AUGMENTATION_PRIMARY = {"thoracic": "22513", "lumbar": "22514"}


def code_note(extraction: Extraction, descriptions: Mapping[str, str]) -> tuple[list[CodeLine], list[Flag]]:
    """Code lines and flags for one note.

    `descriptions` maps each code to its short descriptor (patterns/codes.json).
    """
    codes: list[CodeLine] = []
    flags: list[Flag] = []
    treated = sorted((f for f in extraction.findings if f.status == "treated"), key=lambda f: f.order)
    aborted = [f for f in extraction.findings if f.status == "aborted"]
    if aborted:
        flags.append(
            Flag(
                "aborted-level",
                f"Attempt abandoned with no cement at {join(f.level for f in aborted)}: not coded. "
                "A coder may consider modifier 53 or 52.",
                evidence_of(aborted),
            )
        )
    if extraction.visit_signals:
        # Rule 5: only what was done in this encounter is coded.
        work = [ev for ev, _ in extraction.work_words]
        if extraction.not_today or work:
            named = join(dict.fromkeys(_plain(e.text) for e in work)) or "treated levels"
            before = (
                f"; {join(f.level for f in extraction.not_today)} were treated before" if extraction.not_today else ""
            )
            flags.append(
                Flag(
                    "no-procedure-today",
                    "This note documents no procedure in this encounter (it reads as a clinic, emergency, "
                    f"consult or imaging note) but names {named}{before}: not coded. "
                    "Confirm no procedure was done today.",
                    sorted(set(extraction.visit_signals + evidence_of(extraction.not_today) + work)),
                )
            )
        return codes, flags
    if extraction.earlier_notes:
        flags.append(
            Flag(
                "earlier-note",
                "An earlier note is copied into this one; its levels were not read as today's procedure.",
                extraction.earlier_notes,
            )
        )
    if extraction.amended:
        flags.append(
            Flag(
                "addendum",
                f"An addendum speaks of {join(dict.fromkeys(' '.join(e.text.split()) for e in extraction.amended))}: "
                "the codes follow the addendum over the body of the note. Check the correction.",
                extraction.amended,
            )
        )
    open_work = extraction.open_procedure + ([] if extraction.percutaneous_screws else extraction.screws)
    if not open_work and not treated and extraction.augmented_screws and extraction.cement_documented:
        # Cement only through screws placed percutaneously ("in-screw PMMA augmentation") is no
        # vertebroplasty either (rule 13); beside a level augmented on its own, that level is coded.
        open_work = extraction.screws
    if open_work and treated and extraction.open_after_cement:
        flags.append(
            Flag(
                "open-after-cement",
                "The note turns to an open operation after the percutaneous cement was placed (a conversion "
                "to open): the percutaneous codes are suggested; code the open surgery separately and review.",
                sorted(open_work) + evidence_of(treated),
            )
        )
    elif open_work and (treated or extraction.cement_documented):
        # Rule 13: cement placed during an open operation (into a body or through its screws)
        # is not a percutaneous procedure.
        flags.append(
            Flag(
                "open-procedure",
                "The note documents an open operation; 22510-22515 describe percutaneous "
                "procedures only, so no code is suggested. Review the operative report.",
                sorted(open_work) + evidence_of(treated),
            )
        )
        return codes, flags
    if extraction.unreadable_levels:
        flags.append(
            Flag(
                "level-unreadable",
                f"{join(repr(e.text) for e in extraction.unreadable_levels)} is written like a vertebral level "
                "but names no vertebra: not coded. Query the physician for the level treated.",
                extraction.unreadable_levels,
            )
        )
    if extraction.resolved_levels and treated:
        flags.append(
            Flag(
                "level-resolved",
                f"The steps of the procedure name no level of their own; read as {join(f.level for f in treated)}, "
                "the one level the note names as fractured. Confirm the level.",
                extraction.resolved_levels + evidence_of(treated),
            )
        )
    if extraction.title_only:
        flags.append(
            Flag(
                "header-body-mismatch",
                f"The title lists {join(f.level for f in extraction.title_only)} but the procedure "
                "description never shows treatment there: not coded. Query the physician if it was treated.",
                evidence_of(extraction.title_only),
            )
        )
    if not treated:
        if extraction.unplaced:
            flags.append(
                Flag(
                    "no-level",
                    "A procedure is documented but no vertebral level is named: query the physician.",
                    extraction.unplaced,
                )
            )
        # A biopsy done when no level was treated ("T6 biopsied, then the procedure was stopped").
        codes, biopsy_flags = services.other_biopsies([], extraction, descriptions)
        flags += biopsy_flags
        if not flags:
            _flag_uncoded_work(extraction, flags)
        # A biopsy-only session under the operator's moderate sedation codes the sedation too, and
        # so does an attempt begun and abandoned, when its time and observer are written (rule 12);
        # an attempt stopped before the sedation it planned was given is not queried for it.
        sedation_codes, sedation_flags = services.sedation(extraction, bool(codes or aborted), descriptions)
        if not codes:
            sedation_flags = []
        return codes + sedation_codes, flags + sedation_flags

    doubtful: list[tuple[str, str]] = []  # (level, flag kind): coded, but a coder must look
    if not extraction.cement_documented:
        flags.append(
            Flag(
                "cement-not-documented",
                "No cement is documented: vertebroplasty and augmentation are coded for the bodies that "
                "received cement. Query the physician for the cement delivered at each level.",
                evidence_of(treated),
            )
        )
        doubtful += [(f.level, "cement-not-documented") for f in treated]
    guessed = _read_approximately(treated, extraction)
    if guessed:
        words = sorted({e.text for e in extraction.approximate})
        flags.append(
            Flag(
                "approximate-term",
                f"The technique, device or cement at {join(f.level for f in guessed)} was read from "
                f"{join(repr(' '.join(w.split())) for w in words)}, not the usual spelling (a dictation or "
                "transcription slip): check it before billing.",
                extraction.approximate,
            )
        )
        doubtful += [(f.level, "approximate-term") for f in guessed]
    assigned = family_rules.assign(treated, extraction)
    flags += assigned.flags
    doubtful += assigned.doubtful
    families = assigned.families
    vertebroplasty = families.get("vertebroplasty")
    augmentation = families.get("augmentation")
    if vertebroplasty:
        _code_family(
            vertebroplasty, _VERTEBROPLASTY_PRIMARY, "22512", _VERTEBROPLASTY_REGION, descriptions, codes, flags
        )
    if augmentation:
        _code_family(augmentation, _AUGMENTATION_PRIMARY, "22515", None, descriptions, codes, flags)
    if vertebroplasty and augmentation:
        flags.append(_mixed(vertebroplasty, augmentation, codes))
    if "cervical-augmentation" in families:
        codes.append(_cervical_augmentation(families["cervical-augmentation"], descriptions))
        flags.append(
            Flag(
                "cervical-augmentation",
                "Cervical augmentation is reported as unlisted 22899: attach the operative report "
                "and a comparable code for valuation.",
                families["cervical-augmentation"].evidence,
            )
        )
    if "sacroplasty" in families:
        _code_sacroplasty(families["sacroplasty"], descriptions, codes, flags)
    for line in codes:
        for level, reason in doubtful:
            if level in line.levels:
                line.mark_review(reason)
    services.note_included(codes, treated, extraction)
    if not codes and not flags:
        _flag_uncoded_work(extraction, flags)
    biopsy_codes, biopsy_flags = services.other_biopsies(treated, extraction, descriptions)
    codes += biopsy_codes
    flags += biopsy_flags
    sedation_codes, sedation_flags = services.sedation(extraction, bool(codes), descriptions)
    return codes + sedation_codes, flags + sedation_flags


def _plain(text: str) -> str:
    return " ".join(text.split()).lower()


def _flag_uncoded_work(extraction: Extraction, flags: list[Flag]) -> None:
    """A procedure note that names vertebral augmentation, with no history, plan or negation, yet codes nothing
    must say so: a level the reader could not find would otherwise go unbilled in silence."""
    named = [ev for ev, status in extraction.work_words if status is None]
    if named and not extraction.stopped:  # "the procedure was cancelled" says why
        flags.append(
            Flag(
                "procedure-not-coded",
                f"The note names {join(dict.fromkeys(_plain(e.text) for e in named))} but no vertebral level "
                "is documented as treated this session: nothing is coded. Confirm it was not performed.",
                named,
            )
        )


def _read_approximately(treated: list[Finding], extraction: Extraction) -> list[Finding]:
    """The treated levels whose code rests on approximate matches only: every technique word and
    device cited for the level, or every mention of cement in the note."""
    approximate = set(extraction.approximate)
    if extraction.cement and approximate.issuperset(extraction.cement):
        return treated
    guessed = []
    for finding in treated:
        bearers = [e for e in finding.evidence if e.label in ("TECHNIQUE", "DEVICE")]
        if bearers and approximate.issuperset(bearers):
            guessed.append(finding)
    return guessed


# -- one primary per family, add-ons per extra body (rules 2, 3, 4) ---------------------------


def _code_family(
    family: Family,
    primaries: Mapping[str, str],
    addon: str,
    region_groups: Mapping[str, str] | None,
    descriptions: Mapping[str, str],
    codes: list[CodeLine],
    flags: list[Flag],
) -> None:
    first = family.findings[0]
    first_region = region_of(first.level)
    primary = primaries[first_region]

    def group(region: str) -> str:
        return region_groups[region] if region_groups else region

    regions = {group(region_of(f.level)) for f in family.findings}
    cross_region = len(regions) > 1
    technique = "Vertebroplasty" if family.name == "vertebroplasty" else "Vertebral augmentation"
    rationale = (
        f"{technique} at {first.level}, the first vertebral body treated this session "
        f"({group(first_region)}): one {primary} per session."
    )
    if cross_region:
        rationale += (
            f" Levels span {join(sorted(regions))}; the primary follows the first level treated (AAPC guidance)."
        )
    codes.append(
        CodeLine(
            code=primary,
            units=1,
            levels=[first.level],
            description=descriptions[primary],
            rationale=rationale,
            review_reasons=["cross-region-primary"] if cross_region else [],
            evidence=evidence_of([first]),
        )
    )
    rest = family.findings[1:]
    if rest:
        codes.append(
            CodeLine(
                code=addon,
                units=len(rest),
                levels=[f.level for f in rest],
                description=descriptions[addon],
                rationale=(
                    f"+{addon} once for each additional vertebral body treated by "
                    f"{technique.lower()}: {join(f.level for f in rest)} "
                    f"({len(rest)} unit{'s' if len(rest) > 1 else ''})."
                ),
                evidence=evidence_of(rest),
            )
        )
    if cross_region:
        flags.append(
            Flag(
                "cross-region-primary",
                f"{technique} levels span {join(sorted(regions))}. Either primary satisfies the "
                f"one-primary rule; {primary} follows the first level treated ({first.level}).",
                family.evidence,
            )
        )


def _mixed(vertebroplasty: Family, augmentation: Family, codes: list[CodeLine]) -> Flag:
    """Rule 7: one primary from each family, the vertebroplasty one marked for review."""
    for line in codes:
        if line.code in ("22510", "22511"):
            line.mark_review("mixed-techniques")
    return Flag(
        "mixed-techniques",
        f"Vertebroplasty ({join(vertebroplasty.levels)}) and augmentation "
        f"({join(augmentation.levels)}) in one session: one primary from each family. "
        "Payers may want modifier 59 or XS on the vertebroplasty code; review.",
        vertebroplasty.evidence + augmentation.evidence,
    )


# -- cervical augmentation and sacroplasty (rules 8, 9) -------------------------------------


def _cervical_augmentation(family: Family, descriptions: Mapping[str, str]) -> CodeLine:
    return CodeLine(
        code="22899",
        units=1,
        levels=family.levels,
        description=descriptions["22899"],
        rationale=(
            "Vertebral augmentation of a cervical level has no CPT code of its own: "
            "unlisted spine procedure (CPT Assistant, Jan 2015)."
        ),
        review_reasons=["cervical-augmentation"],
        evidence=family.evidence,
    )


def _code_sacroplasty(
    family: Family, descriptions: Mapping[str, str], codes: list[CodeLine], flags: list[Flag]
) -> None:
    sides = {f.laterality for f in family.findings if f.laterality}
    bilateral = "bilateral" in sides or {"left", "right"} <= sides
    code = "0201T" if bilateral else "0200T"
    if bilateral:
        why = "bilateral injections"
    elif sides:
        why = "unilateral injection"
    else:
        why = "no side documented, so the unilateral code"
    codes.append(
        CodeLine(
            code=code,
            units=1,
            levels=[SACRUM],
            description=descriptions[code],
            rationale=f"Sacroplasty, {why}: once per session, never 22511.",
            review_reasons=[] if sides else ["sacroplasty-laterality-missing"],
            evidence=family.evidence,
        )
    )
    abandoned = sorted({side for f in family.findings for side in f.abandoned_sides})
    if abandoned and sides:
        flags.append(
            Flag(
                "aborted-level",
                f"Sacroplasty on the {join(abandoned)} side was attempted and abandoned with no cement: "
                f"{code} for the side treated. A coder may consider modifier 52.",
                family.evidence,
            )
        )
    if not sides:
        flags.append(
            Flag(
                "sacroplasty-laterality-missing",
                "Sacroplasty with no side documented: 0200T (unilateral) or 0201T (bilateral) "
                "depends on it; query the physician.",
                family.evidence,
            )
        )
