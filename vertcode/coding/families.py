"""Which code family each treated level belongs to (rules 1, 6, 8, 9), with the flags that
choice raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from vertcode.coding.common import evidence_of, join
from vertcode.levels import SACRUM, region_of
from vertcode.model import Evidence, Extraction, Finding, Flag


@dataclass
class Family:
    """The treated levels of one code family, in procedure order."""

    name: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def levels(self) -> list[str]:
        return [f.level for f in self.findings]

    @property
    def evidence(self) -> list[Evidence]:
        return evidence_of(self.findings)


@dataclass
class Families:
    """The families of a note's treated levels, the flags they raise, and the levels whose
    technique needs a coder's look, with the kind of flag that says why."""

    families: dict[str, Family]
    flags: list[Flag]
    doubtful: list[tuple[str, str]]


def assign(treated: list[Finding], extraction: Extraction) -> Families:
    families: dict[str, Family] = {}
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
        if (
            technique == "augmentation"
            and finding.described
            and (
                (finding.technique_source == "title" and finding.device is None)
                # A device shown at the level makes its source "device"; any other source shows none.
                or (extraction.device_denied and finding.technique_source != "device")
            )
        ):
            # Rule 1: the description shows no cavity creation, whatever the title says; nor does
            # one that denies a device and shows none at the level.
            conflicted.append(finding)
            technique = "vertebroplasty"
        elif technique == "augmentation" and finding.device is None:
            deviceless.append(finding)
        elif technique == "augmentation" and finding.titled == "vertebroplasty":
            retitled.append(finding)
        if finding.level == SACRUM or technique == "sacroplasty":
            name = "sacroplasty"
        elif technique == "augmentation":
            name = (
                "cervical-augmentation"
                if region == "cervical"
                else ("sacroplasty" if region == "sacral" else "augmentation")
            )
        else:
            name = "vertebroplasty"
            if region == "sacral":
                sacral_vertebroplasty.append(finding)
        families.setdefault(name, Family(name)).findings.append(finding)

    flags = []
    if conflicted:
        flags.append(
            Flag(
                "technique-conflict",
                "The title calls this augmentation (kyphoplasty), but the procedure description "
                "shows no cavity created with a device before the cement: coded as vertebroplasty "
                f"at {join(f.level for f in conflicted)}. Confirm with the physician.",
                evidence_of(conflicted) + extraction.device_denied,
            )
        )
    if retitled and "vertebroplasty" not in families:
        # With vertebroplasty at other levels, the title's "vertebroplasty" may be theirs.
        flags.append(
            Flag(
                "technique-conflict",
                "The title calls this vertebroplasty, but the procedure description shows a cavity "
                f"created with a device before the cement: coded as augmentation at {join(f.level for f in retitled)}. "
                "Confirm with the physician.",
                evidence_of(retitled),
            )
        )
    if deviceless:
        flags.append(
            Flag(
                "no-device",
                "Augmentation is documented with no cavity-creation device named (balloon, bone "
                f"tamp, curette...) at {join(f.level for f in deviceless)}: a documentation gap "
                "worth a query.",
                evidence_of(deviceless),
            )
        )
    if unclear:
        flags.append(
            Flag(
                "technique-unclear",
                f"Work is documented at {join(f.level for f in unclear)} but the note does not say "
                "whether by vertebroplasty or augmentation: not coded. Query the physician.",
                evidence_of(unclear),
            )
        )
    if sacral_vertebroplasty:
        flags.append(
            Flag(
                "s1-vertebroplasty",
                "Vertebroplasty of a sacral vertebral body is coded 22511; if this was cement into "
                "the sacral ala for an insufficiency fracture it is sacroplasty (0200T/0201T).",
                evidence_of(sacral_vertebroplasty),
            )
        )
    doubtful = [(f.level, "technique-conflict") for f in conflicted] + [(f.level, "no-device") for f in deviceless]
    return Families(families, flags, doubtful)
