"""The coding rules: from what a note documents to CPT code lines, units and flags.

Plain Python over the dataclasses of `vertcode.model`; it knows nothing of spaCy, so each rule
can be read and tested alone. Rule numbers refer to the project's coding-rules.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vertcode.levels import SACRUM, region_of
from vertcode.model import CodeLine, Evidence, Extraction, Finding, Flag

# Regions each family splits its primary code by (rules 2, 3).
_VERTEBROPLASTY_PRIMARY = {"cervical": "22510", "thoracic": "22510", "lumbar": "22511", "sacral": "22511"}
_VERTEBROPLASTY_REGION = {"cervical": "cervicothoracic", "thoracic": "cervicothoracic",
                          "lumbar": "lumbosacral", "sacral": "lumbosacral"}
_AUGMENTATION_PRIMARY = {"thoracic": "22513", "lumbar": "22514"}


@dataclass
class _Family:
    """The treated levels of one code family, in procedure order."""

    name: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def levels(self) -> list[str]:
        return [f.level for f in self.findings]

    @property
    def evidence(self) -> list[Evidence]:
        return _evidence_of(self.findings)


def _evidence_of(findings: list[Finding]) -> list[Evidence]:
    return sorted({e for f in findings for e in f.evidence})


def code_note(extraction: Extraction, descriptions: Mapping[str, str]) -> tuple[list[CodeLine], list[Flag]]:
    """Code lines and flags for one note.

    `descriptions` maps each code to its short descriptor (patterns/codes.json).
    """
    coder = _Coder(extraction, descriptions)
    return coder.run()


class _Coder:
    def __init__(self, extraction: Extraction, descriptions: Mapping[str, str]):
        self.extraction = extraction
        self.descriptions = descriptions
        self.codes: list[CodeLine] = []
        self.flags: list[Flag] = []
        self.doubtful_levels: set[str] = set()  # coded, but the technique needs a coder's look

    def run(self) -> tuple[list[CodeLine], list[Flag]]:
        ext = self.extraction
        treated = sorted((f for f in ext.findings if f.status == "treated"), key=lambda f: f.order)
        self._flag_aborted()
        if ext.open_procedure and treated:
            # Rule 13: cement placed during an open operation is not a percutaneous procedure.
            self.flags.append(Flag(
                "open-procedure",
                "The note documents an open operation; 22510-22515 describe percutaneous "
                "procedures only, so no code is suggested. Review the operative report.",
                ext.open_procedure + _evidence_of(treated)))
            return self.codes, self.flags
        if ext.title_only:
            self.flags.append(Flag(
                "header-body-mismatch",
                f"The title lists {_join(f.level for f in ext.title_only)} but the procedure "
                "description never shows treatment there: not coded. Query the physician if it was treated.",
                _evidence_of(ext.title_only)))
        if not treated:
            if ext.unplaced:
                self.flags.append(Flag(
                    "no-level",
                    "A procedure is documented but no vertebral level is named: query the physician.",
                    ext.unplaced))
            return self.codes, self.flags

        if not ext.cement_documented:
            self.flags.append(Flag(
                "cement-not-documented",
                "No cement is documented: vertebroplasty and augmentation are coded for the bodies that "
                "received cement. Query the physician for the cement delivered at each level.",
                _evidence_of(treated)))
            self.doubtful_levels.update(f.level for f in treated)
        families = self._families(treated)
        vertebroplasty = families.get("vertebroplasty")
        augmentation = families.get("augmentation")
        if vertebroplasty:
            self._code_family(vertebroplasty, _VERTEBROPLASTY_PRIMARY, "22512", _VERTEBROPLASTY_REGION)
        if augmentation:
            self._code_family(augmentation, _AUGMENTATION_PRIMARY, "22515", None)
        if vertebroplasty and augmentation:
            self._flag_mixed(vertebroplasty, augmentation)
        if "cervical-augmentation" in families:
            self._code_cervical_augmentation(families["cervical-augmentation"])
        if "sacroplasty" in families:
            self._code_sacroplasty(families["sacroplasty"])
        for line in self.codes:
            if self.doubtful_levels.intersection(line.levels):
                line.review = True
        self._note_included_services(treated)
        self._code_other_biopsies(treated)
        self._code_sedation()
        return self.codes, self.flags

    # -- which family each treated level belongs to (rules 1, 6, 8, 9) ---------------------

    def _families(self, treated: list[Finding]) -> dict[str, _Family]:
        families: dict[str, _Family] = {}
        conflicted: list[Finding] = []  # titled augmentation, described without a cavity device
        retitled: list[Finding] = []  # titled vertebroplasty, described with one
        deviceless: list[Finding] = []
        sacral_vertebroplasty: list[Finding] = []
        unclear: list[Finding] = []
        for finding in treated:
            region = region_of(finding.level)
            technique = finding.technique
            if technique is None:
                unclear.append(finding)
                continue
            if (technique == "augmentation" and finding.technique_source == "title" and finding.described
                    and (finding.device is None or self.extraction.device_denied)):
                # Rule 1: the description shows no cavity creation, whatever the title says.
                conflicted.append(finding)
                technique = "vertebroplasty"
            elif technique == "augmentation" and finding.device is None:
                deviceless.append(finding)
            elif technique == "augmentation" and finding.titled == "vertebroplasty":
                retitled.append(finding)
            if finding.level == SACRUM or technique == "sacroplasty":
                name = "sacroplasty"
            elif technique == "augmentation":
                name = "cervical-augmentation" if region == "cervical" else (
                    "sacroplasty" if region == "sacral" else "augmentation")
            else:
                name = "vertebroplasty"
                if region == "sacral":
                    sacral_vertebroplasty.append(finding)
            families.setdefault(name, _Family(name)).findings.append(finding)

        self.doubtful_levels.update(f.level for f in conflicted + deviceless)
        if conflicted:
            self.flags.append(Flag(
                "technique-conflict",
                "The title calls this augmentation (kyphoplasty), but the procedure description "
                "shows no cavity created with a device before the cement: coded as vertebroplasty "
                f"at {_join(f.level for f in conflicted)}. Confirm with the physician.",
                _evidence_of(conflicted) + self.extraction.device_denied))
        if retitled and "vertebroplasty" not in families:
            # With vertebroplasty at other levels, the title's "vertebroplasty" may be theirs.
            self.flags.append(Flag(
                "technique-conflict",
                "The title calls this vertebroplasty, but the procedure description shows a cavity "
                f"created with a device before the cement: coded as augmentation at {_join(f.level for f in retitled)}. "
                "Confirm with the physician.",
                _evidence_of(retitled)))
        if deviceless:
            self.flags.append(Flag(
                "no-device",
                "Augmentation is documented with no cavity-creation device named (balloon, bone "
                f"tamp, curette...) at {_join(f.level for f in deviceless)}: a documentation gap "
                "worth a query.",
                _evidence_of(deviceless)))
        if unclear:
            self.flags.append(Flag(
                "technique-unclear",
                f"Work is documented at {_join(f.level for f in unclear)} but the note does not say "
                "whether by vertebroplasty or augmentation: not coded. Query the physician.",
                _evidence_of(unclear)))
        if sacral_vertebroplasty:
            self.flags.append(Flag(
                "s1-vertebroplasty",
                "Vertebroplasty of a sacral vertebral body is coded 22511; if this was cement into "
                "the sacral ala for an insufficiency fracture it is sacroplasty (0200T/0201T).",
                _evidence_of(sacral_vertebroplasty)))
        return families

    # -- one primary per family, add-ons per extra body (rules 2, 3, 4) ---------------------

    def _code_family(self, family: _Family, primaries: Mapping[str, str], addon: str,
                     region_groups: Mapping[str, str] | None) -> None:
        first = family.findings[0]
        first_region = region_of(first.level)
        primary = primaries[first_region]
        group = (lambda r: region_groups[r]) if region_groups else (lambda r: r)
        regions = {group(region_of(f.level)) for f in family.findings}
        cross_region = len(regions) > 1
        technique = "Vertebroplasty" if family.name == "vertebroplasty" else "Vertebral augmentation"
        rationale = (f"{technique} at {first.level}, the first vertebral body treated this session "
                     f"({group(first_region)}): one {primary} per session.")
        if cross_region:
            rationale += (f" Levels span {_join(sorted(regions))}; the primary follows the first "
                          "level treated (AAPC guidance).")
        self.codes.append(CodeLine(
            code=primary, units=1, levels=[first.level], description=self.descriptions[primary],
            rationale=rationale, review=cross_region, evidence=_evidence_of([first])))
        rest = family.findings[1:]
        if rest:
            self.codes.append(CodeLine(
                code=addon, units=len(rest), levels=[f.level for f in rest],
                description=self.descriptions[addon],
                rationale=(f"+{addon} once for each additional vertebral body treated by "
                           f"{technique.lower()}: {_join(f.level for f in rest)} "
                           f"({len(rest)} unit{'s' if len(rest) > 1 else ''})."),
                evidence=_evidence_of(rest)))
        if cross_region:
            self.flags.append(Flag(
                "cross-region-primary",
                f"{technique} levels span {_join(sorted(regions))}. Either primary satisfies the "
                f"one-primary rule; {primary} follows the first level treated ({first.level}).",
                family.evidence))

    def _flag_mixed(self, vertebroplasty: _Family, augmentation: _Family) -> None:
        for line in self.codes:
            if line.code in ("22510", "22511"):
                line.review = True
        self.flags.append(Flag(
            "mixed-techniques",
            f"Vertebroplasty ({_join(vertebroplasty.levels)}) and augmentation "
            f"({_join(augmentation.levels)}) in one session: one primary from each family. "
            "Payers may want modifier 59 or XS on the vertebroplasty code; review.",
            vertebroplasty.evidence + augmentation.evidence))

    # -- cervical augmentation and sacroplasty (rules 8, 9) ---------------------------------

    def _code_cervical_augmentation(self, family: _Family) -> None:
        self.codes.append(CodeLine(
            code="22899", units=1, levels=family.levels, description=self.descriptions["22899"],
            rationale=("Vertebral augmentation of a cervical level has no CPT code of its own: "
                       "unlisted spine procedure (CPT Assistant, Jan 2015)."),
            review=True, evidence=family.evidence))
        self.flags.append(Flag(
            "cervical-augmentation",
            "Cervical augmentation is reported as unlisted 22899: attach the operative report "
            "and a comparable code for valuation.",
            family.evidence))

    def _code_sacroplasty(self, family: _Family) -> None:
        sides = {f.laterality for f in family.findings if f.laterality}
        bilateral = "bilateral" in sides or {"left", "right"} <= sides
        code = "0201T" if bilateral else "0200T"
        if bilateral:
            why = "bilateral injections"
        elif sides:
            why = "unilateral injection"
        else:
            why = "no side documented, so the unilateral code"
        self.codes.append(CodeLine(
            code=code, units=1, levels=[SACRUM], description=self.descriptions[code],
            rationale=f"Sacroplasty, {why}: once per session, never 22511.",
            review=not sides, evidence=family.evidence))
        if not sides:
            self.flags.append(Flag(
                "sacroplasty-laterality-missing",
                "Sacroplasty with no side documented: 0200T (unilateral) or 0201T (bilateral) "
                "depends on it; query the physician.",
                family.evidence))

    # -- what is never coded on its own (rules 5, 10) --------------------------------------

    def _flag_aborted(self) -> None:
        aborted = [f for f in self.extraction.findings if f.status == "aborted"]
        if aborted:
            self.flags.append(Flag(
                "aborted-level",
                f"Attempt abandoned with no cement at {_join(f.level for f in aborted)}: not coded. "
                "A coder may consider modifier 53 or 52.",
                _evidence_of(aborted)))

    def _note_included_services(self, treated: list[Finding]) -> None:
        primaries = [line for line in self.codes if line.code not in ("22512", "22515")]
        if not primaries:
            return
        levels = {f.level for f in treated}
        biopsies = [ev for ev, named in self.extraction.biopsies if not named or levels.intersection(named)]
        services = dict.fromkeys(service for service, _ in self.extraction.included)
        if biopsies:
            services["bone biopsy of a treated level"] = None
        if not services:
            return
        names = list(services)
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        primaries[0].rationale += (f" Included, not reported separately (rule 10): {listed}.")
        # Cite each included service once: a note names its fluoroscopy in every other sentence.
        cited = {(service, ev.text.lower()): ev for service, ev in reversed(self.extraction.included)}
        primaries[0].evidence = sorted(set(primaries[0].evidence) | set(cited.values()) | set(biopsies))

    def _code_other_biopsies(self, treated: list[Finding]) -> None:
        """Rule 11: a bone biopsy of a level not treated this session is reported on its own."""
        levels = {f.level for f in treated}
        if not levels:
            return
        others: dict[str, list[Evidence]] = {}
        for ev, named in self.extraction.biopsies:
            for level in named:
                if level not in levels:
                    others.setdefault(level, []).append(ev)
        if not others:
            return
        evidence = sorted({ev for evs in others.values() for ev in evs})
        self.codes.append(CodeLine(
            code="20225", units=len(others), levels=list(others), description=self.descriptions["20225"],
            rationale=(f"Bone biopsy of {_join(others)}, a level not treated this session, is reported "
                       "separately (rule 11), with modifier XS as a distinct site."),
            modifiers=["XS"], review=True, evidence=evidence))
        self.flags.append(Flag(
            "biopsy-other-level",
            f"Bone biopsy of {_join(others)}, which was not augmented this session: 20225-XS suggested; "
            "confirm the site and that it was a separate needle pass.",
            evidence))

    def _code_sedation(self) -> None:
        """Rule 12: moderate sedation by the proceduralist, coded only with time and observer."""
        sedation = self.extraction.sedation
        if not sedation.evidence or sedation.anesthesia or not self.codes:
            return
        minutes, observer = sedation.minutes, sedation.observer
        if minutes is None or not observer:
            missing = " and ".join(m for m, gap in (("the intra-service time", minutes is None),
                                                    ("an independent trained observer", not observer)) if gap)
            self.flags.append(Flag(
                "sedation-time-missing",
                f"Moderate sedation is documented without {missing}: 99152/99153 need both. "
                "Query the physician; some payers bundle sedation.",
                sedation.evidence + observer))
            return
        if minutes < 10:
            return
        evidence = sorted(set(sedation.evidence + observer))
        self.codes.append(CodeLine(
            code="99152", units=1, levels=[], description=self.descriptions["99152"],
            rationale=(f"Moderate sedation by the proceduralist with an independent trained observer, "
                       f"{minutes} minutes intra-service: 99152 for the first 15 minutes (at least 10)."),
            evidence=evidence))
        extra = _sedation_addon_units(minutes)
        if extra:
            self.codes.append(CodeLine(
                code="99153", units=extra, levels=[], description=self.descriptions["99153"],
                rationale=(f"{minutes} minutes: +99153 for each further 15 minutes, a unit counted once "
                           "8 of them have passed."),
                evidence=evidence))


def _sedation_addon_units(minutes: int) -> int:
    """+99153 units: each 15 minutes past the first 15, counted once its midpoint (8) is passed."""
    beyond = minutes - 15
    return 0 if beyond < 8 else 1 + (beyond - 8) // 15


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
