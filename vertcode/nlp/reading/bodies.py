"""What the whole note says of each vertebral body, gathered mention by mention, then one
`Finding` per body.

Plain Python over `Evidence`: the reader fills a `BodyNotes` per level as it reads, and
`findings` decides each level's status, technique, device, approach and side.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field, replace

from vertcode.levels import REGION_NAMES, SACRUM, region_of
from vertcode.model import Evidence, Finding

# What shows a body itself was worked on, beyond a needle that a screw may follow.
_WORK = frozenset({"TECHNIQUE", "DEVICE", "CEMENT", "INJECTION", "REPEAT", "TREATED"})
_STATUS_RANK = {"treated": 0, "aborted": 1, "negated": 2, "historical": 3, "planned": 4, "mentioned": 5}


@dataclass(frozen=True)
class Term:
    """A term's normalised value with where the note says it."""

    value: str
    evidence: Evidence


@dataclass(frozen=True)
class Technique:
    technique: str
    source: str  # "description", "title" or "device"
    evidence: Evidence
    device: Term | None = None


@dataclass
class BodyNotes:
    """What the note says about one level, gathered mention by mention."""

    level: str
    statuses: list[tuple[int, str]] = field(default_factory=list)  # (offset, status) per mention
    # Offsets of mentions in excluded sections: "IMPRESSION: ... not done" does not undo the
    # treatment the procedure describes.
    aside: set[int] = field(default_factory=set)
    # (offset, named alone) where its treatment is described; a range ("T12-L2") names several
    # levels at once, so it says less about the order they were treated in.
    described: list[tuple[int, bool]] = field(default_factory=list)
    evidence: set[Evidence] = field(default_factory=set)
    pending: list[Evidence] = field(default_factory=list)  # named just before, awaiting an indicator
    techniques: list[Technique] = field(default_factory=list)
    # The technique last stated before the level was first treated: "Procedure: [X] Balloon
    # kyphoplasty / Levels treated: [x] T12" names no technique beside T12 itself.
    fallback: Technique | None = None
    devices: list[Term] = field(default_factory=list)
    named_devices: list[Term] = field(default_factory=list)  # named in a title only
    approaches: list[Term] = field(default_factory=list)
    sides: list[Term] = field(default_factory=list)
    modifiers: list[Evidence] = field(default_factory=list)
    instrumented: bool = False  # pedicle screws placed in it
    first_mention: Evidence | None = None
    denied_sides: set[str] = field(default_factory=set)  # "the left side was abandoned", "[ ] Right"
    abandoned_sides: set[str] = field(default_factory=set)  # of those, attempted and abandoned
    as_body: bool = False  # treated as a vertebral body: "the S1 pedicles", "the S1 body"
    corrected: Technique | None = None  # the technique an addendum says it really was
    # (device, offset) the note says made no cavity here: "the tamp was removed uninflated".
    voided: list[tuple[str, int]] = field(default_factory=list)

    def absorb(self, wrong: BodyNotes) -> None:
        """Take what the note said of `wrong`, a level a correction says was really this one."""
        self.statuses += [(o, s) for o, s in wrong.statuses if s == "treated"]
        self.described += wrong.described
        self.evidence |= wrong.evidence
        self.techniques += wrong.techniques
        self.fallback = self.fallback or wrong.fallback
        self.devices += wrong.devices
        self.named_devices += wrong.named_devices
        self.approaches += wrong.approaches
        self.sides += wrong.sides
        wrong.described, wrong.techniques, wrong.devices, wrong.named_devices = [], [], [], []

    def mention(self, ev: Evidence, status: str) -> None:
        if status == "instrumented":
            self.instrumented = True
            status = "mentioned"
        self.statuses.append((ev.start, status))
        self.first_mention = self.first_mention or ev
        if status == "treated":
            self.evidence.add(ev)
        elif status != "mentioned":
            self.modifiers.append(ev)

    @property
    def attempted_here(self) -> bool:
        """Work begun at the level before it was abandoned: a step of the work (a cannula placed
        outside a biopsy's sentence, a needle for the cement) done there."""
        return any(status == "treated" for _, status in self.statuses)

    def status(self) -> str:
        """Treated unless a later abort or negation undoes every treated mention.

        An abort outranks a negation: "aborted at L2 ... L2 not treated" is an aborted level.
        """
        treated = [o for o, s in self.statuses if s == "treated"]
        # Asked at each sentence naming "the affected level": the last treatment is found once.
        last = max(treated, default=-1)
        after = [s for o, s in self.statuses if not treated or (o > last and o not in self.aside)]
        undone = [s for s in after if s in ("aborted", "negated")]
        if undone:
            return min(undone, key=_STATUS_RANK.__getitem__)
        if treated:
            return "treated"
        return min((s for _, s in self.statuses), key=_STATUS_RANK.__getitem__)

    def order(self, text_length: int) -> int:
        """Procedure order: where its treatment is first described, else first named."""
        alone = [o for o, single in self.described if single]
        if alone or self.described:
            return min(alone or [o for o, _ in self.described])
        return text_length + min(o for o, _ in self.statuses)


@dataclass(frozen=True)
class NoteWide:
    """What the whole note documents, which decides levels that name no technique of their own."""

    techniques: frozenset[str]  # the techniques the procedure names
    cement: bool  # cement in the procedure (FINDINGS do not count)
    biopsied: frozenset[str]
    text_length: int
    listed_devices: tuple[Term, ...] = ()  # on a line listing what the session used ("Implants:")


def findings(bodies: list[BodyNotes], note: NoteWide) -> tuple[list[Finding], list[Finding]]:
    """(findings in procedure order, treated first; levels only a title names as treated)."""
    default = _default_technique(note)
    any_described = any(n.described and n.status() == "treated" for n in bodies)
    # A sacroplasty described along "the fracture from S1 to S3" treats the sacrum its title names.
    segments_described = any(n.level[0] == "S" and n.level != SACRUM and n.described and not n.as_body for n in bodies)
    # Cement written at the levels it went into: a level without any is not one of them.
    cement_placed = any(e.label == "CEMENT" for n in bodies for e in n.evidence)
    found, title_only = [], []
    for notes in bodies:
        status = notes.status()
        if status == "aborted" and notes.level in note.biopsied and not notes.techniques and not notes.attempted_here:
            # "Biopsy of L2 ... no cement was injected at L2": a biopsy site, not an attempt
            # ("cannulas placed at T9, a core taken, then augmentation aborted" is one).
            status = "mentioned"
        elif status == "treated" and notes.level in note.biopsied and cement_placed and not _treated_here(notes):
            # "3. L1 bone biopsy ... a needle into the L1 lesion, two cores obtained" beside cement
            # at T8: L1 is a biopsy site, however the list's first item was titled.
            status = "mentioned"
        finding = Finding(level=notes.level, status=status, order=notes.order(note.text_length))
        if status == "treated":
            describe(finding, notes, default, note.listed_devices)
            if finding.technique is None and not note.techniques and not note.cement:
                # A note that documents neither cement nor a technique of ours (an epidural,
                # a nerve block) names levels; it does not treat them.
                finding.status = "mentioned"
            elif finding.level == SACRUM and finding.technique not in ("sacroplasty", "augmentation"):
                if notes.described and finding.technique_source == "default":
                    # A needle into the sacral ala and cement there is sacroplasty (rule 9).
                    finding.technique = "sacroplasty"
                else:
                    # Counting levels "from the sacrum" names a landmark; only sacroplasty treats it.
                    finding.status = "mentioned"
            elif notes.instrumented and not any(e.label in _WORK for e in notes.evidence):
                # Needles docked on a pedicle, then a screw placed through it: instrumented, not augmented.
                finding.status = "mentioned"
            elif any_described and not notes.described and not (notes.level == SACRUM and segments_described):
                finding.status = "mentioned"
                title_only.append(finding)
        else:
            finding.evidence = sorted(set(notes.modifiers))
        found.append(finding)
    found.sort(key=lambda f: (f.status != "treated", f.order))
    return found, title_only


def _treated_here(notes: BodyNotes) -> bool:
    """Cement, an injection or a cavity device is cited at this level itself."""
    return any(e.label in ("CEMENT", "INJECTION", "DEVICE") for e in notes.evidence)


def _default_technique(note: NoteWide) -> str | None:
    if len(note.techniques) == 1:
        return next(iter(note.techniques))
    if not note.techniques and note.cement:
        return "vertebroplasty"
    return None


def describe(finding: Finding, notes: BodyNotes, default: str | None, listed: tuple[Term, ...] = ()) -> None:
    """Fill a treated finding's technique, device, approach, laterality and evidence.

    `listed`: the devices a line of what the session used names ("Implants: Kyphon IBT x2"); a
    level treated by augmentation that names no device of its own was treated with them."""
    if notes.corrected:
        # An addendum's technique replaces the body's, and with it the devices it named.
        notes.techniques, notes.devices, notes.named_devices = [notes.corrected], [], []
    if notes.voided:
        _drop_voided(notes)
    if not notes.techniques and not notes.devices and notes.fallback:
        notes.techniques.append(notes.fallback)
    techniques = {t.technique for t in notes.techniques}
    # A device in the description shows a cavity made; "Balloon kyphoplasty" in a title or a
    # ticked box only names one, which the description may contradict.
    shown = notes.devices + [t.device for t in notes.techniques if t.device and t.source != "title"]
    devices = shown + notes.named_devices + [t.device for t in notes.techniques if t.device and t.source == "title"]
    found = set(notes.evidence)
    found.update(t.evidence for t in notes.techniques)
    found.update(t.evidence for t in devices + notes.approaches + notes.sides)
    finding.described = bool(notes.described)
    if shown or "augmentation" in techniques:
        finding.technique = "augmentation"
        if shown:
            finding.technique_source = "device"
            named = [t for t in notes.techniques if t.source != "device"]
            if named and all(t.technique == "vertebroplasty" and t.source == "title" for t in named):
                finding.titled = "vertebroplasty"  # "VERTEBROPLASTY, T8" ... "a balloon was inflated"
        else:
            sources = {t.source for t in notes.techniques if t.technique == "augmentation"}
            finding.technique_source = "description" if "description" in sources else "title"
    elif techniques:
        # Sacroplasty before vertebroplasty: "sacral vertebroplasty" is a sacroplasty word; but
        # cement through the S1 pedicles into the S1 body is vertebroplasty of S1, whatever the
        # title calls it (rule 9).
        sacral_body = notes.as_body and notes.level != SACRUM
        finding.technique = "sacroplasty" if "sacroplasty" in techniques and not sacral_body else "vertebroplasty"
        sources = {t.source for t in notes.techniques}
        finding.technique_source = "description" if "description" in sources else "title"
    elif default == "augmentation" and notes.voided:
        # The note's devices made no cavity at this level: cement alone is vertebroplasty (rule 1).
        finding.technique, finding.technique_source = "vertebroplasty", "description"
    elif default:
        finding.technique, finding.technique_source = default, "default"
    if not devices and listed and finding.technique == "augmentation":
        devices = list(listed)
        found.update(t.evidence for t in devices)
    if devices:
        finding.device = min(devices, key=lambda t: t.evidence).value
    if notes.approaches:
        finding.approach = min(notes.approaches, key=lambda t: t.evidence).value
    finding.laterality = laterality({t.value for t in notes.sides}, notes.denied_sides)
    finding.abandoned_sides = sorted(notes.abandoned_sides & {"left", "right"})
    finding.evidence = sorted(found)


# A balloon is an inflatable bone tamp; "no cavity was created" voids every device.
_DEVICE_FAMILY = {"bone tamp": "balloon"}
_ANY_DEVICE = "cavity creation device"
# "Tamps inflated to make cavities": the cavity is the work of the device beside it, so a device
# that made no cavity at a level voids the cavity too.
_CAVITY_MADE = "cavity made"


def _drop_voided(notes: BodyNotes) -> None:
    """Forget the devices named at a level before the note said they made no cavity there."""

    def voided(term: Term | None) -> bool:
        if term is None:
            return False
        if term.value == _CAVITY_MADE:
            return any(term.evidence.start < offset for _, offset in notes.voided)
        family = _DEVICE_FAMILY.get(term.value, term.value)
        return any(
            (value == _ANY_DEVICE or _DEVICE_FAMILY.get(value, value) == family) and term.evidence.start < offset
            for value, offset in notes.voided
        )

    def kept(technique: Technique) -> Technique | None:
        if not voided(technique.device):
            return technique
        if technique.source == "device":
            return None  # read from the device alone, it goes with it
        if technique.source == "title":
            return replace(technique, device=None)  # the title stands, for the conflict flag
        # "Same technique" (the level before's balloon kyphoplasty) whose device made no cavity here.
        return replace(technique, technique="vertebroplasty", device=None)

    notes.devices = [d for d in notes.devices if not voided(d)]
    notes.named_devices = [d for d in notes.named_devices if not voided(d)]
    notes.techniques = [t for t in map(kept, notes.techniques) if t]
    notes.fallback = kept(notes.fallback) if notes.fallback else None


def laterality(sides: set[str], denied: Set[str] = frozenset()) -> str | None:
    """'bilateral', 'left', 'right', 'unilateral' or None, from the side words attached to a level
    and the sides the note says were abandoned: a bilateral plan with its left side abandoned is
    right-sided."""
    if denied & {"left", "right"}:
        kept = (sides | ({"left", "right"} if "bilateral" in sides else set())) - denied - {"bilateral"}
        return laterality(kept)
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    for side in ("left", "right", "unilateral"):
        if side in sides:
            return side
    return None


def repeated_work(worked: list[BodyNotes]) -> Technique | None:
    """What "in a similar fashion" repeats when the levels just described had vertebroplasty
    with no device ("L1: needle, PMMA" under "2. L1 vertebroplasty"), even when the note's last
    device was another level's balloon; None when it is the technique in hand."""
    own = [t for b in worked if not b.devices for t in b.techniques[-1:] if t.technique == "vertebroplasty"]
    return own[-1] if own and len(own) == len(worked) else None


def each_level(
    bodies: Iterable[BodyNotes], region: str, described_at: int | None, devices: list[Term], cement: list[Evidence]
) -> None:
    """ "At each level, bilateral cannulas were placed": describes every level treated so far (of
    one region, "at the thoracic levels"; `described_at` is None where it names without describing)
    and what it names with, at each of them; "each level received 3 cc of cement": the cement is
    cited at each of them."""
    for notes in bodies:
        if not any(s == "treated" for _, s in notes.statuses):
            continue
        if region in REGION_NAMES.values() and region_of(notes.level) != region:
            continue
        notes.evidence.update(cement)
        if described_at is None:
            continue
        if not notes.described:
            notes.described.append((described_at, False))
        notes.devices.extend(d for d in devices if d not in notes.devices)


def named_once(bodies: Iterable[BodyNotes]) -> list[BodyNotes]:
    """The levels named without history, plan or negation, and no instrument at them: what
    "the fractured level" can be."""
    named = [b for b in bodies if b.status() == "mentioned" and not b.instrumented]
    if len(named) > 1:  # "counting from the sacrum" names a landmark, not the fracture
        named = [b for b in named if b.level != SACRUM]
    return named
