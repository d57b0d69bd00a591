"""What one sentence says: the levels it names, in which context, and the work it documents.

Reads a `Statement` (vertcode.nlp.reading.layout) and the ConText graph `doc._.context_graph`;
gives an `Event`, which knows nothing of the sentences before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from vertcode.levels import SACRUM, LevelError, parse
from vertcode.model import Evidence
from vertcode.nlp.reading.layout import Statement

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


def evidence(span: Span, label: str | None = None) -> Evidence:
    return Evidence(span.start_char, span.end_char, span.text, label or span.label_)


def term_value(span: Span) -> tuple[str, str | None]:
    """(id, implied device) of a term span: "balloon kyphoplasty" is augmentation with a balloon."""
    value, _, device = span.id_.partition("|")
    return value, device or None


class Context:
    """The ConText status of each entity of one Doc."""

    def __init__(self, doc: Doc):
        self.doc = doc
        graph = doc._.context_graph
        categories: dict[tuple[int, int], set[str]] = {}
        for target, modifier in graph.edges if graph else ():
            categories.setdefault((target.start, target.end), set()).add(modifier.category)
        self.statuses = {
            key: next(status for category, status in _CONTEXT_STATUS if category in found)
            for key, found in categories.items()
            if any(category in found for category, _ in _CONTEXT_STATUS)
        }
        # Tokens inside a negation or abort trigger: the cement of "no cement was injected" is
        # part of the trigger, so ConText never marks it, yet it documents no cement.
        self.denied = {
            i
            for m in (graph.modifiers if graph else ())
            if m.category in ("NEGATED_EXISTENCE", "ABORTED")
            for i in range(*m.modifier_span)
        }

    def status(self, ent: Span) -> str | None:
        """An entity's context status; a term inside a negation ("no cement was injected") is negated."""
        status = self.statuses.get((ent.start, ent.end))
        if status is None and ent.label_ != "LEVEL" and ent.start in self.denied:
            return "negated"
        return status

    def modifiers(self, ent: Span) -> list[Evidence]:
        """The triggers modifying an entity, as evidence labelled with their category."""
        return [evidence(self.doc[m.modifier_span[0] : m.modifier_span[1]], m.category) for m in ent._.modifiers]


@dataclass(frozen=True)
class Mention:
    """Levels named in context (history, plan, negation, abort) or in an excluded section."""

    evidence: Evidence
    levels: list[str]
    status: str
    aside: bool  # in an excluded section: "IMPRESSION: ... not done" undoes no treatment
    modifiers: list[Evidence]


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
    levels: list[tuple[Span, list[str]]]
    live: list[Span]
    indicators: list[Span]
    descriptive: bool
    title: bool
    stopped: list[Span]
    #: Cement written here, even under FINDINGS, documents the cement of the session.
    cement: bool
    #: Cavity devices it says were not used ("no balloon was used").
    denied_devices: list[Evidence]


def event_of(statement: Statement, context: Context) -> Event:
    excluded = statement.excluded
    mentions: list[Mention] = []
    levels: list[tuple[Span, list[str]]] = []
    live: list[Span] = []
    denied_devices: list[Evidence] = []
    for ent in statement.ents:
        status = context.status(ent)
        if ent.label_ == "LEVEL":
            try:
                named = parse(ent.text)
            except LevelError:
                continue
            if status or excluded:
                if excluded and status == "aborted":
                    status = None  # an abort is this session's event, told in the procedure
                mentions.append(Mention(evidence(ent), named, status or "mentioned", excluded, context.modifiers(ent)))
            else:
                levels.append((ent, named))
        elif not status and not excluded:
            live.append(ent)
        elif ent.label_ == "DEVICE" and status == "negated" and not excluded:
            denied_devices.append(evidence(ent))
    cement = any(e.label_ == "CEMENT" and not context.status(e) for e in statement.ents)
    if excluded:
        return Event(statement, mentions, [], [], [], False, False, [], cement, denied_devices)
    if not any(level.startswith("S") for _, named in levels for level in named):
        # "Sacroplasty for sacral insufficiency fracture": the procedure names its site.
        levels += [(e, [SACRUM]) for e in live if e.label_ == "TECHNIQUE" and term_value(e)[0] == "sacroplasty"][:1]
        levels.sort(key=lambda pair: pair[0].start)
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
    )
