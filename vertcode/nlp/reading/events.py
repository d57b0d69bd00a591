"""What one sentence says: the levels it names, in which context, and the work it documents.

Reads a `Statement` (vertcode.nlp.reading.layout) and the ConText graph `doc._.context_graph`;
gives an `Event`, which knows nothing of the sentences before it. `Context` makes the note's
`Entity` records, each with its ConText status.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from vertcode.levels import SACRUM, LevelError, parse
from vertcode.model import Evidence
from vertcode.nlp.reading.bodies import BodyNotes, Term
from vertcode.nlp.reading.entities import Entity, read_entities
from vertcode.nlp.reading.layout import Statement
from vertcode.nlp.sentences import NoteTokens

#: Labels whose presence in a sentence documents that work was done at its levels.
INDICATORS = frozenset({"TECHNIQUE", "DEVICE", "CEMENT", "ACCESS", "REPEAT", "TREATED", "INJECTION"})
#: Labels that show the steps of the work (a needle placed, cement injected), not only its name
#: or result: "Kyphoplasty L1. 4 mL cement." names a procedure without describing it. A device
#: shows a step too, except in a title ("BALLOON KYPHOPLASTY T11-L1" only names one).
DESCRIPTIVE = frozenset({"ACCESS", "REPEAT", "INJECTION"})
#: Labels that say which technique a level had.
TECHNIQUE_BEARERS = frozenset({"TECHNIQUE", "DEVICE", "REPEAT"})

# ConText categories and the status each gives a mention, the first found winning.
_CONTEXT_STATUS = (
    ("LANDMARK", "mentioned"),
    ("ABORTED", "aborted"),
    ("NEGATED_EXISTENCE", "negated"),
    ("HISTORICAL", "historical"),
    ("HYPOTHETICAL", "planned"),
)


def term_id(value: str, device: str | None = None, approximate: bool = False) -> str:
    """The span id a term's matches carry: its value, the device it implies, and "~" for a
    misheard form."""
    return "|".join([value, device or "", "~" if approximate else ""]).rstrip("|")


def term_value(ent: Entity) -> tuple[str, str | None]:
    """(id, implied device) of a term: "balloon kyphoplasty" is augmentation with a balloon."""
    value, _, rest = ent.id_.partition("|")
    return value, rest.partition("|")[0] or None


class Context:
    """The ConText status of each entity of one Doc: `ents`, its entities as the reader reads them."""

    def __init__(self, doc: Doc, tokens: NoteTokens):
        self.tokens = tokens
        self.text = tokens.text
        graph = doc._.context_graph
        categories: dict[tuple[int, int], set[str]] = {}
        # What `Span._.modifiers` holds, the modifiers of each target in the order of the edges.
        self.edges: dict[tuple[int, int], list] = {}
        for target, modifier in graph.edges if graph else ():
            categories.setdefault((target.start, target.end), set()).add(modifier.category)
            self.edges.setdefault((target.start, target.end), []).append(modifier)
        self.statuses = {
            key: next(status for category, status in _CONTEXT_STATUS if category in found)
            for key, found in categories.items()
            if any(category in found for category, _ in _CONTEXT_STATUS)
        }
        # Tokens inside a negation or abort trigger: the cement of "no cement was injected" is
        # part of the trigger, so ConText never marks it, yet it documents no cement.
        modifiers = list(graph.modifiers) if graph else []
        self.denied = {
            i for m in modifiers if m.category in ("NEGATED_EXISTENCE", "ABORTED") for i in range(*m.modifier_span)
        }
        self.aborting = {i for m in modifiers if m.category == "ABORTED" for i in range(*m.modifier_span)}
        # Where the note names a substance injected that is not cement (lidocaine, contrast): the
        # triggers whose only targets are injections (patterns/context.json).
        self.substances = sorted(m.modifier_span[0] for m in modifiers if m.allowed_types == {"INJECTION"})
        self.ents = read_entities(doc, tokens, self._status)

    def _status(self, start: int, end: int, label: str) -> str | None:
        """An entity's context status; a term inside a negation ("no cement was injected") is negated."""
        status = self.statuses.get((start, end))
        if status is None and label != "LEVEL" and start in self.denied:
            return "negated"
        return status

    def without_other_injections(self, event: Event, cement_named: int) -> Event:
        """ "Local anesthetic ... was mixed. Approximately 7 cc was instilled": an injection in a
        sentence naming no cement or device injects the substance named last; when that is not
        cement (which the procedure last named at token `cement_named`), it documents no work."""
        if any(e.label_ in ("CEMENT", "DEVICE") for e in event.live):
            return event

        def other(injection: Entity) -> bool:
            i = bisect_left(self.substances, injection.start)
            return i > 0 and self.substances[i - 1] > cement_named

        kept = [e for e in event.indicators if e.label_ != "INJECTION" or not other(e)]
        return replace(event, indicators=kept) if len(kept) < len(event.indicators) else event

    def cement_withheld(self, ents: list[Entity]) -> bool:
        """Cement inside an abort trigger: "no cement was injected", "no cement was placed"."""
        return any(e.label_ == "CEMENT" and e.start in self.aborting for e in ents)

    def modifiers(self, ent: Entity) -> list[Evidence]:
        """The triggers modifying an entity, as evidence labelled with their category."""
        tokens = self.tokens
        return [
            Evidence(tokens.idx[start], tokens.end_char(end - 1), tokens.span_text(start, end), m.category)
            for m in self.edges.get((ent.start, ent.end), ())
            for start, end in [m.modifier_span]
        ]


@dataclass(frozen=True)
class Mention:
    """Levels named in context (history, plan, negation, abort) or in an excluded section."""

    evidence: Evidence
    levels: list[str]
    status: str
    aside: bool  # in an excluded section: "IMPRESSION: ... not done" undoes no treatment
    modifiers: list[Evidence]


@dataclass(frozen=True)
class Correction:
    """ "L1, not T12": what the note said of the `wrong` levels was done at the `right` ones."""

    wrong: list[str]
    right: list[str]
    evidence: Evidence


class Corrections:
    """The compiled rules of patterns/corrections.json: the words between two levels that
    correct one by the other."""

    def __init__(self, rules: dict[str, list[dict]]):
        self.right_first = [re.compile(r["regex"], re.I) for r in rules.get("right_first", [])]
        self.right_last = [re.compile(r["regex"], re.I) for r in rules.get("right_last", [])]

    def find(self, levels: list[tuple[Entity, list[str]]], text: str) -> list[tuple[int, int]]:
        """(wrong, right) indices into `levels` of each correction in a sentence."""
        found = []
        for k in range(len(levels) - 1):
            first, last = levels[k][0], levels[k + 1][0]
            gap = text[first.end_char : last.start_char]
            if any(rule.fullmatch(gap) for rule in self.right_first):
                found.append((k + 1, k))
            elif any(rule.fullmatch(gap) for rule in self.right_last):
                found.append((k, k + 1))
        # "T12 -> L1 -> L2 -> L4" is an order of work: a level that would be both corrected and
        # the correction of another is a step of a sequence, and so are its neighbours.
        wrong, right = {w for w, _ in found}, {r for _, r in found}
        chained = wrong & right
        return [(w, r) for w, r in found if not {w, r} & chained]


@dataclass(frozen=True)
class Event:
    """What one sentence says was done.

    `levels`: the levels it names as in hand, (entity, levels) each; `live`: its entities free
    of any context modifier; `indicators`: those that document work; `descriptive`: it shows the
    steps of the work, not only its name; `title`: a title that only names the work; `stopped`:
    "the procedure was terminated".
    """

    statement: Statement
    mentions: list[Mention]
    levels: list[tuple[Entity, list[str]]]
    live: list[Entity]
    indicators: list[Entity]
    descriptive: bool
    title: bool
    stopped: list[Entity]
    #: Cement written here, even under FINDINGS, documents the cement of the session.
    cement: bool
    #: Cavity devices it says were not used ("no balloon was used", "the tamps could not be advanced").
    denied_devices: list[Entity]
    #: Words written like a level that name no vertebra ("T14", "C8"), never dropped in silence.
    unreadable: list[Evidence]
    #: "The treated level was L1, not T12".
    corrections: list[Correction]
    #: Sides the sentence says were abandoned or not treated ("the left side was abandoned").
    denied_sides: tuple[str, ...] = ()
    #: Of those, the sides attempted and abandoned (not an unticked box, not "not involved").
    abandoned_sides: tuple[str, ...] = ()

    @property
    def of_another_time(self) -> bool:
        """ "There is cement in T12 from a vertebroplasty she had in 2018": work written at levels
        that are all history or plans is theirs; it goes on about no level named before."""
        return bool(self.mentions) and all(m.status in ("historical", "planned") for m in self.mentions)


def _before(level: Entity, volumes: list[Entity]) -> float:
    """How far before a volume a level stands: "L4 0 mL" reads the volume with the level before it."""
    return min((v.start - level.end for v in volumes if v.start >= level.end), default=math.inf)


def _nearest(ent: Entity, others: list[Entity]) -> Entity:
    return min(others, key=lambda o: (distance(o, ent), o.start > ent.start))


def distance(a: Entity, b: Entity) -> int:
    """Tokens between two spans (0 when they overlap)."""
    if a.end <= b.start:
        return b.start - a.end
    if b.end <= a.start:
        return a.start - b.end
    return 0


def biopsy_levels(biopsy: Entity, levels: list[tuple[Entity, list[str]]], tokens: NoteTokens) -> tuple[str, ...]:
    """The levels a biopsy word is of: all the sentence names, but where it names several
    apart ("L2 and L3 balloon kyphoplasty with L2 bone biopsy"), the nearest and those listed
    with it ("biopsy of T12 and L1")."""
    if len(levels) <= 1:
        return tuple(level for _, named in levels for level in named)
    # At equal distance the level after it: "a bone biopsy needle ... into the L3 lesion".
    nearest = min(range(len(levels)), key=lambda i: (distance(biopsy, levels[i][0]), levels[i][0].start < biopsy.start))
    first = last = nearest
    while first > 0 and _listed_together(tokens, levels[first - 1][0], levels[first][0]):
        first -= 1
    while last < len(levels) - 1 and _listed_together(tokens, levels[last][0], levels[last + 1][0]):
        last += 1
    return tuple(level for _, named in levels[first : last + 1] for level in named)


_LIST_JOINERS = frozenset({"and", "or", ",", "&", "/", "-", "to", "through", "plus"})


def _listed_together(tokens: NoteTokens, left: Entity, right: Entity) -> bool:
    return all(tokens.space[i] or tokens.word(i).lower() in _LIST_JOINERS for i in range(left.end, right.start))


def event_of(statement: Statement, context: Context, corrections: Corrections) -> Event:
    excluded = statement.excluded
    mentions: list[Mention] = []
    levels: list[tuple[Entity, list[str]]] = []
    live: list[Entity] = []
    denied_devices: list[Entity] = []
    unreadable: list[Evidence] = []
    denied_sides: list[str] = []
    abandoned_sides: list[str] = []
    for ent in statement.ents:
        status = ent.status
        if ent.label_ == "LEVEL":
            try:
                named = parse(ent.text)
            except LevelError:
                if not status and not excluded:
                    unreadable.append(ent.evidence)
                continue
            if status or excluded:
                if excluded and status == "aborted":
                    status = None  # an abort is this session's event, told in the procedure
                mentions.append(Mention(ent.evidence, named, status or "mentioned", excluded, context.modifiers(ent)))
            else:
                levels.append((ent, named))
        elif not status and not excluded:
            live.append(ent)
        elif ent.label_ == "DEVICE" and status in ("negated", "aborted") and not excluded:
            denied_devices.append(ent)
        elif ent.label_ == "LATERALITY" and status in ("negated", "aborted") and not excluded:
            denied_sides.append(term_value(ent)[0])
            if status == "aborted":
                abandoned_sides.append(term_value(ent)[0])
    cement = any(e.label_ == "CEMENT" and not e.status for e in statement.ents)
    if excluded:
        return Event(statement, mentions, [], [], [], False, False, [], cement, denied_devices, [], [])
    corrected = []
    for wrong, right in corrections.find(levels, context.text):
        (wrong_ent, wrong_levels), (right_ent, right_levels) = levels[wrong], levels[right]
        start, end = min(wrong_ent.start_char, right_ent.start_char), max(wrong_ent.end_char, right_ent.end_char)
        corrected.append(
            Correction(wrong_levels, right_levels, Evidence(start, end, context.text[start:end], "CORRECTION"))
        )
    if corrected:
        # The wrong level is named only to be corrected: it is not in hand.
        wrong_names = {level for c in corrected for level in c.wrong}
        levels = [(ent, named) for ent, named in levels if not set(named) <= wrong_names]
    if any(SACRUM in named for _, named in levels):
        # "Needles into the sacral alae at S1": the segment is where in the sacrum, not a body.
        segments = [(ent, named) for ent, named in levels if all(n[0] == "S" and n != SACRUM for n in named)]
        mentions += [Mention(ent.evidence, named, "mentioned", False, []) for ent, named in segments]
        levels = [pair for pair in levels if pair not in segments]
    if not any(level.startswith("S") for _, named in levels for level in named):
        # "Sacroplasty for sacral insufficiency fracture": the procedure names its site.
        levels += [(e, [SACRUM]) for e in live if e.label_ == "TECHNIQUE" and term_value(e)[0] == "sacroplasty"][:1]
        levels.sort(key=lambda pair: pair[0].start)
    # "0 mL" in a row whose comment says "not treated" is modified by that comment: it still counts.
    no_cement = [e for e in statement.ents if e.label_ == "NO_CEMENT"]
    if levels and (no_cement or statement.no_cement):
        # "L4 0 mL", a table row with no cement: the needle may have reached the level, the
        # treatment did not.
        empty = levels if statement.no_cement else [min(levels, key=lambda p: _before(p[0], no_cement))]
        mentions += [
            Mention(ent.evidence, named, "aborted", False, [e.evidence for e in no_cement]) for ent, named in empty
        ]
        levels = [pair for pair in levels if pair not in empty]
    hardware = [e for e in live if e.label_ == "HARDWARE"]
    if hardware:
        # "Working above the L3 screw heads": a level written against existing hardware is where
        # the hardware is, not a level worked on.
        beside = [(ent, named) for ent, named in levels if any(distance(h, ent) <= 1 for h in hardware)]
        mentions += [Mention(ent.evidence, named, "mentioned", False, []) for ent, named in beside]
        levels = [pair for pair in levels if pair not in beside]
    screws = [e for e in live if e.label_ == "SCREW"]
    if screws:
        # "Fenestrated screws were placed at T11 and L2 and 1.5 mL of PMMA injected through each":
        # the levels nearer a screw than a technique are instrumented, and the sentence's cement
        # augments screws, not vertebral bodies.
        bearers = [e for e in live if e.label_ in TECHNIQUE_BEARERS]
        screwed = [(ent, named) for ent, named in levels if _nearest(ent, screws + bearers) in screws]
        mentions += [Mention(ent.evidence, named, "instrumented", False, []) for ent, named in screwed]
        levels = [pair for pair in levels if pair not in screwed]
        if not bearers:
            live = [e for e in live if e.label_ not in INDICATORS]
    indicators = [e for e in live if e.label_ in INDICATORS]
    if any(e.label_ == "BIOPSY" for e in live):
        # The needle of a biopsy treats nothing: "a biopsy needle was passed into L5".
        indicators = [e for e in indicators if e.label_ not in ("ACCESS", "TREATED")]
    descriptive = any(e.label_ in DESCRIPTIVE or (e.label_ == "DEVICE" and not statement.title) for e in indicators)
    stopped = [e for e in live if e.label_ == "ABORT"]
    return Event(
        statement,
        mentions,
        levels,
        live,
        indicators,
        descriptive,
        statement.title and not descriptive,
        stopped,
        cement,
        denied_devices,
        unreadable,
        corrected,
        tuple(denied_sides),
        tuple(abandoned_sides),
    )


def term_of(ent: Entity) -> Term:
    """The term an entity names, with its evidence."""
    return Term(term_value(ent)[0], ent.evidence)


def attach_details(notes: BodyNotes, live: Iterable[Entity]) -> None:
    """A sentence's approach and side words, as the level's."""
    for ent in live:
        if ent.label_ == "APPROACH":
            notes.approaches.append(term_of(ent))
        elif ent.label_ == "LATERALITY":
            notes.sides.append(term_of(ent))
