"""Walks a note's statements in order, as a coder reads: each sentence's event is applied to
the bodies it concerns, keeping in mind the levels in hand and the technique last stated.

Reads a Doc through `layout.statements` and `events.event_of`; gives the `Extraction` the
coding rules read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.tokens import Doc

from vertcode.model import Evidence, Extraction
from vertcode.nlp.reading import bodies
from vertcode.nlp.reading.bodies import BodyNotes, NoteWide, Technique, Term
from vertcode.nlp.reading.encounter import Encounter, EncounterRules
from vertcode.nlp.reading.entities import Entity
from vertcode.nlp.reading.events import (
    TECHNIQUE_BEARERS,
    Context,
    Corrections,
    Event,
    attach_details,
    biopsy_levels,
    distance,
    event_of,
    term_of,
    term_value,
)
from vertcode.nlp.reading.layout import statements
from vertcode.nlp.reading.sedation import SedationReader
from vertcode.nlp.sentences import NoteTokens


@dataclass(frozen=True)
class ReadingRules:
    """The rules-as-data the reader needs beyond the entities: patterns/encounter.json and
    patterns/corrections.json, compiled."""

    encounter: EncounterRules
    corrections: Corrections


def read(doc: Doc, rules: ReadingRules) -> Extraction:
    """Everything the coding rules need from one note's Doc."""
    tokens = NoteTokens(doc)
    encounter = rules.encounter.read(tokens.text)
    context = Context(doc, tokens)
    reader = _Reader(context)
    for statement in statements(doc, tokens, context.ents, encounter):
        if statement.new_item:
            # A new bullet is a new thought: it does not go on about the last item's levels.
            reader.current_levels = []
        # What follows a list under "Levels treated:" goes on about all of its levels.
        listed = reader.current_levels if statement.continues_list else None
        if statement.ents:
            if not statement.copied:  # an earlier note's sedation was that encounter's
                reader.sedation.read(statement.ents)
            reader.read(event_of(statement, reader.context, rules.corrections))
        if listed:
            reader.current_levels = listed + [v for v in reader.current_levels if v not in listed]
    return reader.finish(len(tokens.text), encounter)


class _Reader:
    """The bodies read so far, and what the text is talking about now."""

    def __init__(self, context: Context):
        self.context = context
        self.bodies: dict[str, BodyNotes] = {}
        self.current_levels: list[str] = []
        self.current_technique: Technique | None = None
        self.cement_named = -1  # the token where the procedure last named cement
        self.worked: list[str] = []  # the levels the last description of work named, past a new bullet
        self.extraction = Extraction()
        self.documented_techniques: set[str] = set()
        self.cement_in_procedure = False  # decides the default technique; FINDINGS do not
        self.sedation = SedationReader(context, self.extraction.sedation)
        self.referenced: tuple[list[str], Evidence] | None = None  # what "the index level" names
        self.unplaced: list[Event] = []  # sentences of work that named no level
        self.listed_devices: list[Term] = []  # named on a line listing what the session used
        # Where the description (not a title) names open surgery and cement: open surgery begun
        # only after the first cement is a conversion, not cement placed through an open wound.
        self.described_open: list[int] = []
        self.described_cement: list[int] = []

    def body(self, level: str) -> BodyNotes:
        if level not in self.bodies:
            self.bodies[level] = BodyNotes(level)
        return self.bodies[level]

    def read(self, event: Event) -> None:
        statement = event.statement
        # The work this session names: the procedure's words and the plan's (a planned procedure
        # that codes nothing needs a word), not a history's or an earlier note's.
        if not statement.copied and (not statement.excluded or statement.category == "plan"):
            self.extraction.work_words.extend((e.evidence, e.status) for e in statement.ents if e.names_work)
        if not event.statement.addendum:
            self.apply(event)
            return
        # An addendum that changes what a level's status is must be seen by a coder.
        named = [(m.evidence, m.levels) for m in event.mentions] + [(e.evidence, n) for e, n in event.levels]
        before = {level: self._status(level) for _, levels in named for level in levels}
        self.apply(event)
        self.extraction.amended.extend(
            ev for ev, levels in named if any(self._status(level) != before[level] for level in levels)
        )

    def _status(self, level: str) -> str | None:
        return self.bodies[level].status() if level in self.bodies else None

    def resolve_reference(self, event: Event) -> Event:
        """ "Through each pedicle of the fractured level a trocar was advanced": when the sentence
        names no level, "the fractured level" is the one level the note names without history,
        plan or negation (in a repeat, the only one, treated before). Resolved, it is cited."""
        reference = next((e for e in event.live if e.label_ == "LEVEL_REF"), None)
        if reference is None or event.levels:
            return event
        named = [b.level for b in bodies.named_once(self.bodies.values())]
        if not named and len(self.bodies) == 1:  # "repeat vertebroplasty into the fractured vertebra"
            named = [b.level for b in self.bodies.values() if b.status() == "historical" and not b.instrumented]
        if len(named) != 1:
            return event
        self.referenced = self.referenced or (named, reference.evidence)
        if not event.indicators:
            return event
        self.extraction.resolved_levels.append(reference.evidence)
        return replace(event, levels=[(reference, named)])

    def place_at_reference(self) -> None:
        """ "- Index level confirmed ... - Bipedicular access, trocars ... - PMMA 6 mL": work that
        named no level, in a note that names none treated but refers to "the index level", was
        done at the level the reference resolves to."""
        if not self.unplaced or any(b.status() == "treated" for b in self.bodies.values()):
            return
        if not self.referenced:
            # "Diagnosis: T9 fracture ... 2. Bilateral transpedicular approach ... 4. PMMA": the
            # steps name no level, the note names one.
            named = bodies.named_once(self.bodies.values())
            if len(named) != 1:
                return
            mention = named[0].first_mention
            assert mention is not None, "a body exists because a mention named it"
            self.referenced = ([named[0].level], mention)
        self.current_levels, reference = self.referenced
        for level in self.current_levels:
            self.body(level).pending = [reference]  # the work that follows treats it
        self.extraction.resolved_levels.append(reference)
        self.extraction.unplaced = []
        for event in self.unplaced:
            self.continue_levels(event)

    def apply(self, event: Event) -> None:
        event = self.resolve_reference(event)
        event = self.context.without_other_injections(event, self.cement_named)
        for correction in event.corrections:
            self.extraction.amended.append(correction.evidence)
            for wrong, right in zip(correction.wrong, correction.right, strict=False):
                self.body(right).absorb(self.body(wrong))
                self.body(wrong).mention(correction.evidence, "negated")
                self.extraction.move_biopsies(wrong, right)
        for mention in event.mentions:
            for level in mention.levels:
                notes = self.body(level)
                notes.mention(mention.evidence, mention.status)
                if mention.aside:
                    notes.aside.add(mention.evidence.start)
                notes.modifiers.extend(mention.modifiers)
        self.extraction.device_denied.extend(e.evidence for e in event.denied_devices)
        if event.cement:
            self.extraction.cement_documented = True
        if event.statement.excluded:
            return
        self.note_documented(event)
        if event.indicators or event.title:
            self.extraction.unreadable_levels.extend(event.unreadable)
        if event.levels:
            self.read_levels(event)
            self.current_levels = [level for _, named in event.levels for level in named]
            if event.indicators and event.descriptive:
                self.worked = self.current_levels
        elif event.indicators and event.statement.inventory:
            # "Implants: Kyphon IBT x2; PMMA" after "2. Vertebroplasty L4": what the session used,
            # not what was done at the level named last.
            self.listed_devices.extend(term_of(e) for e in event.live if e.label_ == "DEVICE")
        elif event.indicators and not event.of_another_time:
            self.continue_levels(event)
        elif event.statement.field:
            # "Side: [x] Left": a templated field describes the levels being worked on.
            for level in self.current_levels:
                attach_details(self.body(level), event.live)
        for every in (e for e in event.live if e.label_ == "ALL_LEVELS"):
            bodies.each_level(
                self.bodies.values(),
                term_value(every)[0],
                every.start_char if event.descriptive else None,
                [term_of(e) for e in event.live if e.label_ == "DEVICE"],
                [i.evidence for i in event.indicators if i.label_ in ("CEMENT", "INJECTION")],
            )
        if event.statement.addendum:
            self.correct_technique(event)
        for level in [level for _, named in event.levels for level in named] or self.current_levels:
            body = self.body(level)
            body.denied_sides.update(event.denied_sides)
            body.abandoned_sides.update(event.abandoned_sides)
            # "The bone tamp was withdrawn without being inflated": it made no cavity at this level.
            body.voided += [(term_value(e)[0], e.start_char) for e in event.denied_devices]
        self.extraction.stopped.extend(e.evidence for e in event.stopped)
        sides = [term_value(e)[0] for e in event.statement.ents if e.label_ == "LATERALITY"]
        if sides and not event.levels and self.context.cement_withheld(event.statement.ents):
            # "No cement was injected on the left": that side was not treated.
            for level in self.current_levels:
                self.body(level).denied_sides.update(sides)
        if not event.levels and not event.mentions and not sides and self.context.cement_withheld(event.statement.ents):
            # "No cement was injected." ends the treatment of the levels in hand.
            withheld = next(e for e in event.statement.ents if e.label_ == "CEMENT")
            for level in self.current_levels:
                self.body(level).mention(withheld.evidence, "aborted")
        if event.stopped:
            # "The procedure was terminated": the levels in hand were not treated; "the L2 cannulas
            # were withdrawn and the procedure was terminated" names them.
            # An unticked "[ ] L3" beside "the procedure was cancelled" was never begun.
            named = [level for m in event.mentions if m.status in ("aborted", "mentioned") for level in m.levels]
            for level in named if event.mentions else self.current_levels:
                self.body(level).mention(event.stopped[0].evidence, "aborted")
        self.update_technique(event)

    def correct_technique(self, event: Event) -> None:
        """ "It should be recorded as an L4 vertebroplasty, not a kyphoplasty": an addendum that
        names a technique while denying another renames what was done at its levels."""
        named = [e for e in event.live if e.label_ == "TECHNIQUE"]
        denied = [e for e in event.statement.ents if e.label_ in ("TECHNIQUE", "DEVICE") and e not in event.live]
        if not named or not denied:
            return
        technique = self.resolve(named[-1], event)
        for level in [level for _, levels in event.levels for level in levels] or self.current_levels:
            body = self.body(level)
            body.corrected = technique
            self.extraction.amended.append(named[-1].evidence)

    def note_documented(self, event: Event) -> None:
        self.extraction.approximate.extend(
            e.evidence for e in event.live if e.label_ in ("TECHNIQUE", "DEVICE", "CEMENT") and e.approximate
        )
        for ent in event.live:
            if ent.label_ == "TECHNIQUE":
                self.documented_techniques.add(term_value(ent)[0])
            elif ent.label_ == "DEVICE":
                self.documented_techniques.add("augmentation")
            elif ent.label_ == "CEMENT":
                self.cement_in_procedure = True
                self.cement_named = ent.start
                self.extraction.cement.append(ent.evidence)
                if not event.statement.title:
                    self.described_cement.append(ent.start_char)
            elif ent.label_ in ("GUIDANCE", "INCLUDED"):
                service = "imaging guidance" if ent.label_ == "GUIDANCE" else term_value(ent)[0]
                about = tuple(level for _, lv in event.levels for level in lv) or tuple(self.current_levels)
                self.extraction.included.append((service, ent.evidence, about))
            elif ent.label_ == "OPEN":
                self.extraction.open_procedure.append(ent.evidence)
                if not event.statement.title:
                    self.described_open.append(ent.start_char)
            elif ent.label_ == "SCREW":
                self.extraction.screws.append(ent.evidence)
                if term_value(ent)[0] == "augmented screws":
                    self.extraction.augmented_screws = True
                if any(e.label_ == "PERCUTANEOUS" for e in event.live):
                    self.extraction.percutaneous_screws = True
            elif ent.label_ == "BIOPSY":
                named = biopsy_levels(ent, event.levels, self.context.tokens) or tuple(self.current_levels)
                self.extraction.biopsies.append((ent.evidence, named))

    def resolve(self, bearer: Entity, event: Event) -> Technique | None:
        if bearer.label_ == "REPEAT":
            worked = [self.bodies[level] for level in self.worked if level in self.bodies]
            return bodies.repeated_work(worked) or self.current_technique
        value, device = term_value(bearer)
        ev = bearer.evidence
        if bearer.label_ == "DEVICE":
            return Technique("augmentation", "title" if event.title else "device", ev, Term(value, ev))
        return Technique(
            value, "description" if event.descriptive else "title", ev, Term(device, ev) if device else None
        )

    def read_levels(self, event: Event) -> None:
        levels, live = event.levels, event.live
        bearers = [e for e in live if e.label_ in TECHNIQUE_BEARERS]
        devices = [term_of(e) for e in live if e.label_ == "DEVICE"]
        for ent, named in levels:
            ev = ent.evidence
            if len(levels) == 1:
                # One level in the sentence: every technique and device written there is its own
                # ("L4 vertebroplasty, then balloon kyphoplasty of the same level").
                techniques = [t for t in (self.resolve(b, event) for b in bearers) if t]
            elif bearers:
                nearest = min(bearers, key=lambda b: (distance(b, ent), b.start > ent.start))
                techniques = [t for t in [self.resolve(nearest, event)] if t]
            else:
                techniques = []
            for level in named:
                notes = self.body(level)
                if not event.indicators:
                    notes.mention(ev, "mentioned")
                    notes.pending = [ev]
                    attach_details(notes, live)  # "a biopsy needle into the right sacral ala": its side
                    continue
                notes.mention(ev, "treated")
                notes.pending = []
                notes.as_body = notes.as_body or ent.id_ == "vertebral body"
                notes.fallback = notes.fallback or self.current_technique
                if event.descriptive:
                    # Named within "at each level ...", a level is one of several, not alone.
                    every = any(e.label_ == "ALL_LEVELS" for e in live)
                    notes.described.append((ev.start, len(named) == 1 and not every))
                notes.evidence.update(i.evidence for i in event.indicators)
                notes.techniques.extend(techniques)
                if len(levels) == 1 or not any(t.technique == "vertebroplasty" for t in techniques):
                    (notes.named_devices if event.title else notes.devices).extend(devices)
                attach_details(notes, live)

    def continue_levels(self, event: Event) -> None:
        """A sentence documenting work without a level goes on about the levels just named."""
        live, indicators = event.live, event.indicators
        if not self.current_levels:
            self.unplaced.append(event)
            self.extraction.unplaced.extend(
                e.evidence for e in indicators if e.label_ in ("TECHNIQUE", "DEVICE", "CEMENT")
            )
            return
        resolved = [t for t in (self.resolve(b, event) for b in live if b.label_ in TECHNIQUE_BEARERS) if t]
        agreed = resolved[0] if resolved and len({t.technique for t in resolved}) == 1 else None
        devices = [term_of(e) for e in live if e.label_ == "DEVICE"]
        # A needle alone ("All needles were removed") is too weak to make a level just named treated.
        promotes = any(e.label_ != "ACCESS" for e in indicators)
        for level in self.current_levels:
            notes = self.body(level)
            # "The cannulas were withdrawn" after "no cement was placed at L3" treats L3 no more.
            if not promotes and (notes.pending or notes.statuses[-1][1] in ("aborted", "negated")):
                continue
            for ev in notes.pending:
                notes.mention(ev, "treated")
            notes.pending = []
            notes.fallback = notes.fallback or self.current_technique
            if event.descriptive:
                notes.described.append((indicators[0].start_char, len(self.current_levels) == 1))
            notes.evidence.update(i.evidence for i in indicators)
            if agreed:
                notes.techniques.append(agreed)
                if agreed.technique != "vertebroplasty":
                    notes.devices.extend(devices)
            attach_details(notes, live)

    def update_technique(self, event: Event) -> None:
        for ent in event.live:
            if ent.label_ not in ("TECHNIQUE", "DEVICE"):
                continue
            technique = self.resolve(ent, event)
            current = self.current_technique
            if ent.label_ == "DEVICE" and current and current.technique != "vertebroplasty":
                # "Kyphoplasty at T12 ... the balloon was inflated": the device joins the technique.
                technique = Technique(
                    current.technique, "title" if event.title else "device", current.evidence, term_of(ent)
                )
            self.current_technique = technique

    def finish(self, text_length: int, encounter: Encounter) -> Extraction:
        self.place_at_reference()
        note = NoteWide(
            frozenset(self.documented_techniques),
            self.cement_in_procedure,
            frozenset(level for _, levels in self.extraction.biopsies for level in levels),
            text_length,
            tuple(self.listed_devices),
        )
        extraction = self.extraction
        self.sedation.finish()
        extraction.findings, title_only = bodies.findings(list(self.bodies.values()), note)
        extraction.title_only.extend(title_only)
        extraction.open_after_cement = bool(
            self.described_open and self.described_cement and min(self.described_open) > min(self.described_cement)
        )
        extraction.earlier_notes = [
            title
            for title, (start, end) in zip(encounter.copied_titles, encounter.copied, strict=True)
            if any(start <= o < end for body in self.bodies.values() for o, _ in body.statuses)
        ]
        if not encounter.documents_procedure:
            # A clinic, emergency, consult or imaging note: what it calls treated was treated before.
            extraction.not_today = [f for f in extraction.findings if f.status == "treated"]
            for finding in extraction.not_today:
                finding.status = "historical"
            extraction.findings.sort(key=lambda f: f.order)
            extraction.visit_signals = encounter.visit
        return extraction
