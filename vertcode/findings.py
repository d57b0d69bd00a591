"""From labelled spans to one finding per vertebral body: the last stage of the pipeline.

A note is read sentence by sentence, in order, the way a coder reads it.

- A level is *treated* when it is named, free of any context modifier, outside the excluded
  sections (indications, history, findings...), in a sentence that documents work: a technique
  word, a cavity device, cement, a needle, or "the same procedure". A sentence that documents
  work without naming a level goes on about the levels named just before it.
- A treated level is *described* when a sentence naming it (or going on about it) shows the
  steps: a needle, an injection, a device outside a title, "the same procedure". A title such
  as "KYPHOPLASTY T8" or a numbered procedure list names levels without describing them. When a
  note describes some levels, a level that only its title names was not shown to be treated.
- A level's technique is the technique word or device nearest to it in its sentence; "the same
  procedure" takes the technique of the level before; a level with none takes the only
  technique the note treats with.
- A templated "Label:" field's name is not a statement, except the few that are ("Levels
  treated:", "Cement:"). A field's value may go on as a list on the lines right below it
  (bullets, boxes, numbers, or boxes wrapped onto a second line); each item is read with the
  field's name. A pipe table's rows are read with their column headers.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from vertcode.levels import SACRUM, LevelError, parse
from vertcode.model import Evidence, Extraction, Finding
from vertcode.sections import SectionIndex
from vertcode.sentences import (at_item_start, at_line_start, field_label_end, is_heading_line, note_text,
                                starts_list_item)

#: Labels whose presence in a sentence documents that work was done at its levels.
INDICATORS = frozenset({"TECHNIQUE", "DEVICE", "CEMENT", "ACCESS", "REPEAT", "TREATED", "INJECTION"})
#: Labels that show the steps of the work (a needle placed, cement injected), not only its name
#: or result: "Kyphoplasty L1. 4 mL cement." names a procedure without describing it. A device
#: shows a step too, except in a title ("BALLOON KYPHOPLASTY T11-L1" only names one).
DESCRIPTIVE = frozenset({"ACCESS", "REPEAT", "INJECTION"})
#: Labels that say which technique a level had.
TECHNIQUE_BEARERS = frozenset({"TECHNIQUE", "DEVICE", "REPEAT"})

_HEADING_WORDS = 15
_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
# Where a field of a section rule's "scope" ends (patterns/sections.json).
_FIELD_END = {"paragraph": _BLANK_LINE, "line": re.compile(r"\n[ \t]*\r?\n|[.!?][ \t]*\r?\n")}
_FIELD_NAMES_KEPT = frozenset({"TREATED", "OBSERVER", "SEDATION_TIME", "CEMENT"})

# ConText categories and the status each gives a mention, the first found winning.
_CONTEXT_STATUS = (
    ("LANDMARK", "mentioned"),
    ("ABORTED", "aborted"),
    ("NEGATED_EXISTENCE", "negated"),
    ("HISTORICAL", "historical"),
    ("HYPOTHETICAL", "planned"),
)
_STATUS_RANK = {"treated": 0, "aborted": 1, "negated": 2, "historical": 3, "planned": 4, "mentioned": 5}


def section_role(section, doc: Doc) -> tuple[str | None, str]:
    """(role, scope) of a medspaCy section; (None, "section") before the first title.

    A heading matched alone on its line carries the roles of all headings: its title says which.
    """
    rule = getattr(section, "rule", None)
    if rule is None:
        return None, "section"
    metadata = rule.metadata
    if "headings" in metadata:
        title = " ".join(doc[section.title_start:section.title_end].text.lower().split())
        metadata = metadata["headings"].get(title, {"role": None})
    return metadata["role"], metadata.get("scope", "section")


def evidence(span: Span, label: str | None = None) -> Evidence:
    return Evidence(span.start_char, span.end_char, span.text, label or span.label_)


def context_statuses(doc: Doc) -> dict[tuple[int, int], str]:
    """The ConText status of every modified span, by (start, end) token offsets."""
    graph = doc._.context_graph
    categories: dict[tuple[int, int], set[str]] = {}
    for target, modifier in (graph.edges if graph else ()):
        categories.setdefault((target.start, target.end), set()).add(modifier.category)
    return {key: next(status for category, status in _CONTEXT_STATUS if category in found)
            for key, found in categories.items()
            if any(category in found for category, _ in _CONTEXT_STATUS)}


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


@dataclass(frozen=True)
class _Technique:
    technique: str
    source: str  # "description", "title" or "device"
    evidence: Evidence
    device: _Term | None = None


@dataclass
class _LevelNotes:
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
    techniques: list[_Technique] = field(default_factory=list)
    # The technique last stated before the level was first treated: "Procedure: [X] Balloon
    # kyphoplasty / Levels treated: [x] T12" names no technique beside T12 itself.
    fallback: _Technique | None = None
    devices: list[_Term] = field(default_factory=list)
    named_devices: list[_Term] = field(default_factory=list)  # named in a title only
    approaches: list[_Term] = field(default_factory=list)
    sides: list[_Term] = field(default_factory=list)
    modifiers: list[Evidence] = field(default_factory=list)

    def mention(self, ev: Evidence, status: str) -> None:
        self.statuses.append((ev.start, status))
        if status == "treated":
            self.evidence.add(ev)
        elif status != "mentioned":
            self.modifiers.append(ev)

    def status(self) -> str:
        """Treated unless a later abort or negation undoes every treated mention.

        An abort outranks a negation: "aborted at L2 ... L2 not treated" is an aborted level.
        """
        treated = [o for o, s in self.statuses if s == "treated"]
        after = [s for o, s in self.statuses if not treated or (o > max(treated) and o not in self.aside)]
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


class _Reader:
    """Walks one Doc's sentences in order, keeping which levels the text is talking about."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.notes: dict[str, _LevelNotes] = {}
        self.current_levels: list[str] = []
        self.current_technique: _Technique | None = None
        self.extraction = Extraction()
        self.documented_techniques: set[str] = set()
        self.cement_in_procedure = False  # decides the default technique; FINDINGS do not
        self.neutral_section = None
        self.sections = SectionIndex(doc)
        self.text = note_text(doc)
        self.statuses = context_statuses(doc)
        self.first_word = next((t.i for t in doc if not t.is_space), 0)
        self.biopsied: set[str] = set()
        self.title = False  # the sentence being read is a title that only names the work
        self.field = False  # the sentence being read is a templated "Label: value" field
        # Tokens inside a negation or abort trigger: the cement of "no cement was injected" is
        # part of the trigger, so ConText never marks it, yet it documents no cement.
        self.denied = {i for m in (doc._.context_graph.modifiers if doc._.context_graph else ())
                       if m.category in ("NEGATED_EXISTENCE", "ABORTED")
                       for i in range(*m.modifier_span)}

    def level_notes(self, level: str) -> _LevelNotes:
        if level not in self.notes:
            self.notes[level] = _LevelNotes(level)
        return self.notes[level]

    def read(self) -> Extraction:
        ents = [e for e in self.doc.ents if e.label_ != "NOT_LEVEL"]
        index = 0
        table_header: list[Span] | None = None
        # The kept names ("Levels treated:") of the field whose value may go on as a list below it.
        open_field: list[Span] | None = None
        previous_end = 0
        for sent in self.doc.sents:
            first = sent[0]
            if first.is_space:
                first = next((t for t in sent if not t.is_space), None)
                if first is None:
                    continue
            section = self.sections.of(first.i)
            role, scope = section_role(section, self.doc)
            excluded = self.is_excluded(first, sent, section, role, scope)
            in_sentence = []
            while index < len(ents) and ents[index].start < sent.end:
                in_sentence.append(ents[index])
                index += 1
            field_end = _field_name_end(first)
            item = starts_list_item(first)
            field_levels = None  # the levels a field's list has named so far, when this is an item
            if field_end is not None:
                open_field = [e for e in in_sentence if e.start < field_end and e.label_ in _FIELD_NAMES_KEPT]
                in_sentence = _drop_field_names(field_end, in_sentence)
                self.field = True
            elif (item and first.text != "|" and open_field is not None
                  and not _BLANK_LINE.search(self.text, previous_end, first.idx)):
                # "Cavity device:⏎[x] Balloon": a field's value listed on the lines below it is the
                # field's, about the levels in hand. Under a name that is a statement ("Levels
                # treated:⏎[x] T7⏎[x] T8") each item is read with that name, and what follows the
                # list goes on about all its levels.
                in_sentence = sorted(open_field + in_sentence, key=lambda e: e.start)
                self.field = True
                if open_field:
                    field_levels = self.current_levels
            else:
                open_field = None
                self.field = False
                if item:
                    # A new bullet is a new thought: it does not go on about the last item's levels.
                    self.current_levels = []
            # Where the sentence's words end: a blank line after them belongs to its last token.
            previous_end = sent[-1].idx if sent[-1].is_space else sent.end_char
            title = self.is_title(first, sent, role)
            if first.text == "|" and at_line_start(first):
                # A table row means what its column headers say: "| T11 | yes | 4.0 |" under
                # "| Level | Treated | PMMA (mL) |" is T11 treated with cement.
                if table_header is None:
                    table_header = [e for e in in_sentence if e.label_ != "LEVEL"]
                elif any(e.label_ == "LEVEL" for e in in_sentence):
                    in_sentence = sorted(in_sentence + table_header, key=lambda e: e.start)
            else:
                table_header = None
            if in_sentence:
                self.read_sedation(in_sentence)
                self.read_sentence(in_sentence, excluded, title)
            if field_levels:
                self.current_levels = field_levels + [v for v in self.current_levels if v not in field_levels]
        return self.finish()

    def is_excluded(self, first: Token, sent: Span, section, role: str | None, scope: str) -> bool:
        """True in sections whose levels are never treated (indications, history, findings).

        An excluded section ends at the next "Label:" field or heading line that the section rules
        do not know: "Indication: ...  Level(s) treated: L2" treats L2.
        """
        if role != "excluded" or section is self.neutral_section:
            return False
        if first.i < section.body_start:
            return True
        if scope != "section" and _FIELD_END[scope].search(self.text, self.doc[section.body_start].idx, first.idx):
            # "Medications: ..." ends at a blank line; "Anesthesia: Local." also at the end of the
            # line its last sentence ends on. The procedure may follow either.
            return False
        if not at_item_start(first):
            return True
        if field_label_end(self.doc, first.i) or is_heading_line(sent):
            self.neutral_section = section
            return False
        return True

    def is_title(self, first: Token, sent: Span, role: str | None) -> bool:
        """A procedure title section ("PROCEDURE PERFORMED:"), or a heading as the note's first line."""
        if role is not None:
            return role == "title"
        return first.i == self.first_word and _is_heading(sent)

    def read_sentence(self, ents: list[Span], excluded: bool, title: bool) -> None:
        levels: list[tuple[Span, list[str]]] = []
        live: list[Span] = []
        for ent in ents:
            status = self.status(ent)
            if ent.label_ == "LEVEL":
                try:
                    named = parse(ent.text)
                except LevelError:
                    continue
                if status or excluded:
                    if excluded and status == "aborted":
                        status = None  # an abort is this session's event, told in the procedure
                    for level in named:
                        notes = self.level_notes(level)
                        notes.mention(evidence(ent), status or "mentioned")
                        if excluded:
                            notes.aside.add(ent.start_char)
                        notes.modifiers.extend(evidence(self.doc[m.modifier_span[0]:m.modifier_span[1]],
                                                        m.category) for m in ent._.modifiers)
                else:
                    levels.append((ent, named))
            elif not status and not excluded:
                live.append(ent)
            elif ent.label_ == "DEVICE" and status == "negated" and not excluded:
                self.extraction.device_denied.append(evidence(ent))
        if any(e.label_ == "CEMENT" and not self.status(e) for e in ents):
            # Cement written anywhere, even under FINDINGS, documents the cement of the session.
            self.extraction.cement_documented = True
        if excluded:
            return
        if not any(level.startswith("S") for _, named in levels for level in named):
            # "Sacroplasty for sacral insufficiency fracture": the procedure names its site.
            levels += [(e, [SACRUM]) for e in live
                       if e.label_ == "TECHNIQUE" and term_value(e)[0] == "sacroplasty"][:1]
            levels.sort(key=lambda pair: pair[0].start)
        self.note_documented(live, levels)
        indicators = [e for e in live if e.label_ in INDICATORS]
        if any(e.label_ == "BIOPSY" for e in live):
            # The needle of a biopsy treats nothing: "a biopsy needle was passed into L5".
            indicators = [e for e in indicators if e.label_ not in ("ACCESS", "TREATED")]
        descriptive = any(e.label_ in DESCRIPTIVE or (e.label_ == "DEVICE" and not title) for e in indicators)
        self.title = title and not descriptive
        stopped = [e for e in live if e.label_ == "ABORT"]
        if levels:
            self.read_levels(levels, live, indicators, descriptive)
            self.current_levels = [level for _, named in levels for level in named]
        elif indicators:
            self.continue_levels(live, indicators, descriptive)
        elif self.field:
            # "Side: [x] Left": a templated field describes the levels being worked on.
            for level in self.current_levels:
                self.attach_details(self.level_notes(level), live)
        if descriptive and any(e.label_ == "ALL_LEVELS" for e in live):
            # "At each level, bilateral cannulas were placed": describes every level treated so far.
            offset = next(e for e in live if e.label_ == "ALL_LEVELS").start_char
            for notes in self.notes.values():
                if any(s == "treated" for _, s in notes.statuses) and not notes.described:
                    notes.described.append((offset, False))
        if stopped:
            # "The procedure was terminated": the levels in hand were not treated.
            for level in self.current_levels:
                self.level_notes(level).mention(evidence(stopped[0]), "aborted")
        self.update_technique(live, descriptive)

    def note_documented(self, live: list[Span], levels) -> None:
        for ent in live:
            if ent.label_ == "TECHNIQUE":
                self.documented_techniques.add(term_value(ent)[0])
            elif ent.label_ == "DEVICE":
                self.documented_techniques.add("augmentation")
            elif ent.label_ == "CEMENT":
                self.cement_in_procedure = True
            elif ent.label_ == "GUIDANCE":
                self.extraction.included.append(("imaging guidance", evidence(ent)))
            elif ent.label_ == "INCLUDED":
                self.extraction.included.append((term_value(ent)[0], evidence(ent)))
            elif ent.label_ == "OPEN":
                self.extraction.open_procedure.append(evidence(ent))
            elif ent.label_ == "BIOPSY":
                named = tuple(level for _, lv in levels for level in lv) or tuple(self.current_levels)
                self.extraction.biopsies.append((evidence(ent), named))
                self.biopsied.update(named)

    def status(self, ent: Span) -> str | None:
        """An entity's context status; a term inside a negation ("no cement was injected") is negated."""
        status = self.statuses.get((ent.start, ent.end))
        if status is None and ent.label_ != "LEVEL" and ent.start in self.denied:
            return "negated"
        return status

    def read_sedation(self, ents: list[Span]) -> None:
        """Moderate sedation, its time and observer, wherever the note records them."""
        sedation = self.extraction.sedation
        live = [e for e in ents if self.status(e) is None]
        timed = any(e.label_ in ("SEDATION", "SEDATION_TIME") for e in live)
        for ent in live:
            if ent.label_ == "SEDATION":
                sedation.evidence.append(evidence(ent))
            elif ent.label_ == "OBSERVER":
                sedation.observer.append(evidence(ent))
            elif ent.label_ == "ANESTHESIA_CARE":
                sedation.anesthesia.append(evidence(ent))
            elif ent.label_ in ("SEDATION_TIME", "DURATION") and timed:
                sedation.evidence.append(evidence(ent))
                minutes = _minutes(ent.text)
                if minutes is not None:
                    sedation.minutes = max(sedation.minutes or 0, minutes)

    def resolve(self, bearer: Span, descriptive: bool) -> _Technique | None:
        if bearer.label_ == "REPEAT":
            return self.current_technique
        value, device = term_value(bearer)
        ev = evidence(bearer)
        if bearer.label_ == "DEVICE":
            return _Technique("augmentation", "title" if self.title else "device", ev, _Term(value, ev))
        return _Technique(value, "description" if descriptive else "title", ev,
                          _Term(device, ev) if device else None)

    def read_levels(self, levels, live, indicators, descriptive) -> None:
        bearers = [e for e in live if e.label_ in TECHNIQUE_BEARERS]
        devices = [term(e) for e in live if e.label_ == "DEVICE"]
        for ent, named in levels:
            ev = evidence(ent)
            if len(levels) == 1:
                # One level in the sentence: every technique and device written there is its own
                # ("L4 vertebroplasty, then balloon kyphoplasty of the same level").
                techniques = [t for t in (self.resolve(b, descriptive) for b in bearers) if t]
            elif bearers:
                nearest = min(bearers, key=lambda b: (_distance(b, ent), b.start > ent.start))
                techniques = [t for t in [self.resolve(nearest, descriptive)] if t]
            else:
                techniques = []
            for level in named:
                notes = self.level_notes(level)
                if not indicators:
                    notes.mention(ev, "mentioned")
                    notes.pending = [ev]
                    continue
                notes.mention(ev, "treated")
                notes.pending = []
                notes.fallback = notes.fallback or self.current_technique
                if descriptive:
                    notes.described.append((ev.start, len(named) == 1))
                notes.evidence.update(evidence(i) for i in indicators)
                notes.techniques.extend(techniques)
                if len(levels) == 1 or not any(t.technique == "vertebroplasty" for t in techniques):
                    (notes.named_devices if self.title else notes.devices).extend(devices)
                self.attach_details(notes, live)

    def continue_levels(self, live, indicators, descriptive) -> None:
        """A sentence documenting work without a level goes on about the levels just named."""
        if not self.current_levels:
            self.extraction.unplaced.extend(
                evidence(e) for e in indicators if e.label_ in ("TECHNIQUE", "DEVICE", "CEMENT"))
            return
        resolved = [t for t in (self.resolve(b, descriptive) for b in live if b.label_ in TECHNIQUE_BEARERS) if t]
        agreed = resolved[0] if resolved and len({t.technique for t in resolved}) == 1 else None
        devices = [term(e) for e in live if e.label_ == "DEVICE"]
        # A needle alone ("All needles were removed") is too weak to make a level just named treated.
        promotes = any(e.label_ != "ACCESS" for e in indicators)
        for level in self.current_levels:
            notes = self.level_notes(level)
            if not promotes and notes.pending:
                continue
            for ev in notes.pending:
                notes.mention(ev, "treated")
            notes.pending = []
            notes.fallback = notes.fallback or self.current_technique
            if descriptive:
                notes.described.append((indicators[0].start_char, len(self.current_levels) == 1))
            notes.evidence.update(evidence(i) for i in indicators)
            if agreed:
                notes.techniques.append(agreed)
                if agreed.technique != "vertebroplasty":
                    notes.devices.extend(devices)
            self.attach_details(notes, live)

    @staticmethod
    def attach_details(notes: _LevelNotes, live: Iterable[Span]) -> None:
        for ent in live:
            if ent.label_ == "APPROACH":
                notes.approaches.append(term(ent))
            elif ent.label_ == "LATERALITY":
                notes.sides.append(term(ent))

    def update_technique(self, live, descriptive) -> None:
        for ent in live:
            if ent.label_ not in ("TECHNIQUE", "DEVICE"):
                continue
            technique = self.resolve(ent, descriptive)
            current = self.current_technique
            if ent.label_ == "DEVICE" and current and current.technique != "vertebroplasty":
                # "Kyphoplasty at T12 ... the balloon was inflated": the device joins the technique.
                technique = _Technique(current.technique, "title" if self.title else "device",
                                       current.evidence, term(ent))
            self.current_technique = technique

    def finish(self) -> Extraction:
        default = self.default_technique()
        length = len(self.text)
        any_described = any(n.described and n.status() == "treated" for n in self.notes.values())
        findings = []
        for notes in self.notes.values():
            status = notes.status()
            if status == "aborted" and notes.level in self.biopsied and not notes.techniques:
                # "Biopsy of L2 ... no cement was injected at L2": a biopsy site, not an attempt.
                status = "mentioned"
            finding = Finding(level=notes.level, status=status, order=notes.order(length))
            if status == "treated":
                describe(finding, notes, default)
                if finding.technique is None and not self.documented_techniques and not self.cement_in_procedure:
                    # A note that documents neither cement nor a technique of ours (an epidural,
                    # a nerve block) names levels; it does not treat them.
                    finding.status = "mentioned"
                elif finding.level == SACRUM and finding.technique not in ("sacroplasty", "augmentation"):
                    # Counting levels "from the sacrum" names a landmark; only sacroplasty treats it.
                    finding.status = "mentioned"
                elif any_described and not notes.described:
                    finding.status = "mentioned"
                    self.extraction.title_only.append(finding)
            else:
                finding.evidence = sorted(set(notes.modifiers))
            findings.append(finding)
        findings.sort(key=lambda f: (f.status != "treated", f.order))
        self.extraction.findings = findings
        return self.extraction

    def default_technique(self) -> str | None:
        if len(self.documented_techniques) == 1:
            return next(iter(self.documented_techniques))
        if not self.documented_techniques and self.cement_in_procedure:
            return "vertebroplasty"
        return None


def describe(finding: Finding, notes: _LevelNotes, default: str | None) -> None:
    """Fill a treated finding's technique, device, approach, laterality and evidence."""
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
        # Sacroplasty before vertebroplasty: "sacral vertebroplasty" is a sacroplasty word.
        finding.technique = "sacroplasty" if "sacroplasty" in techniques else "vertebroplasty"
        sources = {t.source for t in notes.techniques}
        finding.technique_source = "description" if "description" in sources else "title"
    elif default:
        finding.technique, finding.technique_source = default, "default"
    if devices:
        finding.device = min(devices, key=lambda t: t.evidence).value
    if notes.approaches:
        finding.approach = min(notes.approaches, key=lambda t: t.evidence).value
    finding.laterality = laterality({t.value for t in notes.sides})
    finding.evidence = sorted(found)


def laterality(sides: set[str]) -> str | None:
    """'bilateral', 'left', 'right', 'unilateral' or None, from the side words attached to a level."""
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    for side in ("left", "right", "unilateral"):
        if side in sides:
            return side
    return None


def _is_heading(sent: Span) -> bool:
    """A short line with no closing full stop: "BALLOON KYPHOPLASTY T11 THROUGH L1"."""
    words = [t for t in sent if not t.is_space]
    after = sent.doc[sent.end] if sent.end < len(sent.doc) else None
    ends_line = after is None or (after.is_space and "\n" in after.text) or sent[-1].is_space
    return ends_line and len(words) <= _HEADING_WORDS and words[-1].text != "."


def _field_name_end(first: Token) -> int | None:
    """Where the colon of a templated field's name ("Side:") is, if a sentence starts with one."""
    if not at_item_start(first):
        return None
    return field_label_end(first.doc, first.i)


def _drop_field_names(colon: int, ents: list[Span]) -> list[Span]:
    """A templated field's name is not a statement: "Cavity creation device: [x] None".

    A few field names are the statement itself and are kept: "Levels treated:", "Cement:",
    "Independent trained observer:", "Intra-service sedation time:".
    """
    return [e for e in ents if e.start >= colon or e.label_ in _FIELD_NAMES_KEPT]


def _minutes(text: str) -> int | None:
    """Minutes in "32 minutes", "25min" or a clock range "10:05 to 10:46"."""
    clock = re.findall(r"(\d{1,2}):(\d{2})", text)
    if len(clock) == 2:
        (h1, m1), (h2, m2) = clock
        return (int(h2) * 60 + int(m2) - int(h1) * 60 - int(m1)) % (24 * 60)
    digits = re.match(r"\d+", text)
    return int(digits.group()) if digits else None


def _distance(a: Span, b: Span) -> int:
    if a.end <= b.start:
        return b.start - a.end
    if b.end <= a.start:
        return a.start - b.end
    return 0


@Language.factory("vertcode_findings")
class FindingsBuilder:
    """Turns a note's labelled spans into one finding per vertebral body.

    Reads: `doc.ents` (labels from patterns/terms.jsonl and patterns/levels.jsonl), the ConText
    graph `doc._.context_graph` and `doc._.sections`. Writes: `doc._.extraction`, a
    `vertcode.model.Extraction`.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_findings"):
        self.name = name
        if not Doc.has_extension("extraction"):
            Doc.set_extension("extraction", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.extraction = _Reader(doc).read()
        return doc
