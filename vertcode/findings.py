"""From labelled spans to one finding per vertebral body: the last stage of the pipeline.

A note is read sentence by sentence, in order, the way a coder reads it. A level is treated when
it is named, free of any context modifier, in a procedure section, in a sentence that documents
the work (a technique word, a cavity device, cement, a needle, or "the same procedure"); a
sentence that documents work without naming a level continues the levels named just before it.
Each level's technique is the technique written nearest to it, or the one device named for it,
or, when the note treats with one technique only, that one.
"""


from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from vertcode.levels import LevelError, parse
from vertcode.model import Evidence, Extraction, Finding

#: Labels whose presence in a sentence documents that work was done at its levels.
INDICATORS = frozenset({"TECHNIQUE", "DEVICE", "CEMENT", "ACCESS", "REPEAT"})
#: Labels that say which technique a level had.
TECHNIQUE_BEARERS = frozenset({"TECHNIQUE", "DEVICE", "REPEAT"})

_CONTEXT_STATUS = (
    ("is_aborted", "aborted"),
    ("is_negated", "negated"),
    ("is_historical", "historical"),
    ("is_hypothetical", "planned"),
)
_STATUS_RANK = {"treated": 0, "aborted": 1, "negated": 2, "historical": 3, "planned": 4, "mentioned": 5}


def evidence(span: Span, label: str | None = None) -> Evidence:
    return Evidence(span.start_char, span.end_char, span.text, label or span.label_)


def context_status(span: Span) -> str | None:
    """The ConText status of a span, or None when nothing modifies it."""
    for attr, status in _CONTEXT_STATUS:
        if span._.get(attr):
            return status
    return None


def section_role(span: Span) -> str:
    """'header', 'narrative' or 'excluded': the role of the section a span is in."""
    section = span[0]._.section
    rule = getattr(section, "rule", None)
    if rule is None:
        return "narrative"
    return rule.metadata["role"]


def term_value(span: Span) -> tuple[str, str | None]:
    """(id, implied device) of a term span: "balloon kyphoplasty" is augmentation with a balloon."""
    value, _, device = span.id_.partition("|")
    return value, device or None


@dataclass(frozen=True)
class _Term:
    """A term's normalised value with where the note says it."""

    value: str
    evidence: Evidence


def term(span: Span) -> _Term:
    return _Term(term_value(span)[0], evidence(span))


@dataclass
class _Technique:
    technique: str
    source: str
    evidence: Evidence
    device: _Term | None = None


@dataclass
class _LevelNotes:
    """What the note says about one level, gathered mention by mention."""

    level: str
    statuses: list[tuple[int, str, str]] = field(default_factory=list)  # offset, status, role
    evidence: set[Evidence] = field(default_factory=set)
    pending: list[tuple[Evidence, str]] = field(default_factory=list)  # awaiting an indicator
    techniques: list[_Technique] = field(default_factory=list)
    devices: list[_Term] = field(default_factory=list)
    approaches: list[_Term] = field(default_factory=list)
    sides: list[_Term] = field(default_factory=list)
    first_offset: int | None = None

    def mention(self, ev: Evidence, status: str, role: str) -> None:
        if self.first_offset is None:
            self.first_offset = ev.start
        self.statuses.append((ev.start, status, role))
        if status == "treated":
            self.evidence.add(ev)

    def status(self) -> str:
        """Treated unless a later abort or negation undoes every treated mention."""
        decisive = [(o, s) for o, s, _ in self.statuses if s in ("treated", "aborted", "negated")]
        treated = [o for o, s in decisive if s == "treated"]
        if treated:
            undone = [o for o, s in decisive if s != "treated" and o > max(treated)]
            if undone:
                return next(s for o, s in decisive if o == undone[-1])
            return "treated"
        present = {s for _, s, _ in self.statuses}
        return min(present, key=_STATUS_RANK.__getitem__)

    def order(self, text_length: int) -> int:
        """Procedure order: the first treated mention in the description, else in the title."""
        narrative = [o for o, s, r in self.statuses if s == "treated" and r == "narrative"]
        if narrative:
            return min(narrative)
        treated = [o for o, s, _ in self.statuses if s == "treated"]
        return text_length + min(treated) if treated else 2 * text_length + (self.first_offset or 0)


class _Reader:
    """Walks one Doc's sentences in order, keeping which levels the text is talking about."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.notes: dict[str, _LevelNotes] = {}
        self.current_levels: list[str] = []
        self.current_technique: _Technique | None = None
        self.extraction = Extraction()
        self.documented_techniques: set[str] = set()
        self.cement_documented = False

    def level_notes(self, level: str) -> _LevelNotes:
        if level not in self.notes:
            self.notes[level] = _LevelNotes(level)
        return self.notes[level]

    def read(self) -> Extraction:
        ents = [e for e in self.doc.ents if e.label_ != "NOT_LEVEL"]
        index = 0
        for sent in self.doc.sents:
            in_sentence = []
            while index < len(ents) and ents[index].start < sent.end:
                in_sentence.append(ents[index])
                index += 1
            if in_sentence:
                self.read_sentence(in_sentence)
        return self.finish()

    def read_sentence(self, ents: list[Span]) -> None:
        role = section_role(ents[0])
        levels: list[tuple[Span, list[str]]] = []
        live: list[Span] = []
        for ent in ents:
            status = context_status(ent)
            if ent.label_ == "LEVEL":
                try:
                    named = parse(ent.text)
                except LevelError:
                    continue
                if status or role == "excluded":
                    for level in named:
                        self.level_notes(level).mention(evidence(ent), status or "mentioned", role)
                else:
                    levels.append((ent, named))
            elif not status and role != "excluded":
                live.append(ent)
        if role == "excluded":
            return

        indicators = [e for e in live if e.label_ in INDICATORS]
        self.note_documented(live, role, levels)
        if levels:
            self.read_levels(levels, live, indicators, role)
            self.current_levels = [level for _, named in levels for level in named]
        elif indicators:
            self.continue_levels(live, indicators, role)
        self.update_technique(live, role)

    def note_documented(self, live: list[Span], role: str, levels) -> None:
        for ent in live:
            if ent.label_ == "TECHNIQUE":
                self.documented_techniques.add(term_value(ent)[0])
            elif ent.label_ == "DEVICE":
                self.documented_techniques.add("augmentation")
            elif ent.label_ == "CEMENT":
                self.cement_documented = True
                if role == "narrative":
                    self.extraction.has_narrative = True
            elif ent.label_ == "GUIDANCE":
                self.extraction.guidance.append(evidence(ent))
            elif ent.label_ == "OPEN":
                self.extraction.open_procedure.append(evidence(ent))
            elif ent.label_ == "BIOPSY":
                named = tuple(level for _, lv in levels for level in lv)
                self.extraction.biopsies.append((evidence(ent), named))

    def resolve(self, bearer: Span, role: str) -> _Technique | None:
        if bearer.label_ == "REPEAT":
            return self.current_technique
        value, device = term_value(bearer)
        ev = evidence(bearer)
        if bearer.label_ == "DEVICE":
            return _Technique("augmentation", "device", ev, _Term(value, ev))
        return _Technique(value, role, ev, _Term(device, ev) if device else None)

    def read_levels(self, levels, live, indicators, role) -> None:
        bearers = [e for e in live if e.label_ in TECHNIQUE_BEARERS]
        devices = [e for e in live if e.label_ == "DEVICE"]
        for ent, named in levels:
            ev = evidence(ent)
            technique = None
            if bearers:
                nearest = min(bearers, key=lambda b: (_distance(b, ent), b.start > ent.start))
                technique = self.resolve(nearest, role)
            for level in named:
                notes = self.level_notes(level)
                if indicators:
                    notes.mention(ev, "treated", role)
                    notes.evidence.update(evidence(i) for i in indicators)
                    if technique:
                        notes.techniques.append(technique)
                    if not technique or technique.technique != "vertebroplasty":
                        notes.devices.extend(term(d) for d in devices)
                else:
                    notes.mention(ev, "mentioned", role)
                    notes.pending = [(ev, role)]
                self.attach_details(notes, live)

    def continue_levels(self, live, indicators, role) -> None:
        """A sentence documenting work without a level goes on about the levels just named."""
        if not self.current_levels:
            self.extraction.unplaced.extend(
                evidence(e) for e in indicators if e.label_ in ("TECHNIQUE", "DEVICE", "CEMENT"))
            return
        bearers = [e for e in live if e.label_ in TECHNIQUE_BEARERS]
        resolved = [t for t in (self.resolve(b, role) for b in bearers) if t]
        agreed = resolved[0] if resolved and len({t.technique for t in resolved}) == 1 else None
        for level in self.current_levels:
            notes = self.level_notes(level)
            for ev, mention_role in notes.pending:
                notes.mention(ev, "treated", mention_role)
            notes.pending = []
            notes.evidence.update(evidence(i) for i in indicators)
            if agreed:
                notes.techniques.append(agreed)
                if agreed.technique != "vertebroplasty":
                    notes.devices.extend(term(d) for d in live if d.label_ == "DEVICE")
            self.attach_details(notes, live)

    @staticmethod
    def attach_details(notes: _LevelNotes, live: Iterable[Span]) -> None:
        for ent in live:
            if ent.label_ == "APPROACH":
                notes.approaches.append(term(ent))
            elif ent.label_ == "LATERALITY":
                notes.sides.append(term(ent))

    def update_technique(self, live, role) -> None:
        for ent in live:
            if ent.label_ in ("TECHNIQUE", "DEVICE"):
                technique = self.resolve(ent, role)
                current = self.current_technique
                if ent.label_ == "DEVICE" and current and current.technique != "vertebroplasty":
                    # "Kyphoplasty at T12 ... the balloon was inflated": the device joins the technique.
                    technique = _Technique(current.technique, current.source, current.evidence, term(ent))
                self.current_technique = technique

    def finish(self) -> Extraction:
        default = self.default_technique()
        length = len(self.doc.text)
        findings = []
        for notes in self.notes.values():
            status = notes.status()
            finding = Finding(level=notes.level, status=status, order=notes.order(length))
            if status == "treated":
                self.describe(finding, notes, default)
                if finding.technique is None and not self.documented_techniques and not self.cement_documented:
                    # Levels worked on in a note that documents no cement and no technique of ours
                    # (an epidural, a nerve block): mentioned, not treated.
                    finding.status = "mentioned"
            else:
                finding.evidence = sorted({ev for ev in self._status_evidence(notes, status)})
            findings.append(finding)
        findings.sort(key=lambda f: (f.status != "treated", f.order))
        self.extraction.findings = findings
        return self.extraction

    def _status_evidence(self, notes: _LevelNotes, status: str) -> list[Evidence]:
        spans = [e for e in self.doc.ents if e.label_ == "LEVEL"]
        out = []
        for ent in spans:
            if any(o == ent.start_char and s == status for o, s, _ in notes.statuses):
                out.append(evidence(ent))
                for modifier in ent._.modifiers:
                    start, end = modifier.modifier_span
                    out.append(evidence(self.doc[start:end], modifier.category))
        return out

    def default_technique(self) -> str | None:
        if len(self.documented_techniques) == 1:
            return next(iter(self.documented_techniques))
        if not self.documented_techniques and self.cement_documented:
            return "vertebroplasty"
        return None

    @staticmethod
    def describe(finding: Finding, notes: _LevelNotes, default: str | None) -> None:
        techniques = {t.technique for t in notes.techniques}
        devices = notes.devices + [t.device for t in notes.techniques if t.device]
        found = set(notes.evidence)
        found.update(t.evidence for t in notes.techniques)
        found.update(t.evidence for t in devices + notes.approaches + notes.sides)
        if devices or "augmentation" in techniques:
            finding.technique = "augmentation"
            if devices:
                finding.technique_source = "device"
            else:
                sources = {t.source for t in notes.techniques if t.technique == "augmentation"}
                finding.technique_source = "narrative" if "narrative" in sources else "header"
        elif techniques:
            # Sacroplasty before vertebroplasty: "sacral vertebroplasty" is a sacroplasty word.
            finding.technique = "sacroplasty" if "sacroplasty" in techniques else "vertebroplasty"
            sources = {t.source for t in notes.techniques}
            finding.technique_source = "narrative" if "narrative" in sources else "header"
        elif default:
            finding.technique, finding.technique_source = default, "default"
        if devices:
            finding.device = min(devices, key=lambda t: t.evidence).value
        if notes.approaches:
            finding.approach = min(notes.approaches, key=lambda t: t.evidence).value
        finding.laterality = laterality({t.value for t in notes.sides})
        finding.evidence = sorted(found)


def _distance(a: Span, b: Span) -> int:
    if a.end <= b.start:
        return b.start - a.end
    if b.end <= a.start:
        return a.start - b.end
    return 0


def laterality(sides: set[str]) -> str | None:
    """'bilateral', 'left', 'right', 'unilateral' or None, from the side words attached to a level."""
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    for side in ("left", "right", "unilateral"):
        if side in sides:
            return side
    return None


@Language.factory("vertcode_findings")
class FindingsBuilder:
    """Turns a note's labelled spans into one finding per vertebral body.

    Reads: `doc.ents` (labels from patterns/terms.jsonl and patterns/levels.jsonl), their ConText
    attributes (`is_aborted`, `is_negated`, `is_historical`, `is_hypothetical`) and each token's
    `_.section`. Writes: `doc._.extraction`, a `vertcode.model.Extraction`.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_findings"):
        self.name = name
        if not Doc.has_extension("extraction"):
            Doc.set_extension("extraction", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.extraction = _Reader(doc).read()
        return doc
