"""The note's entities as the reader reads them: one light record each, made once a note.

Reads `doc.ents` and the note's `NoteTokens`; gives an `Entity` per entity, in the note's order,
with its ConText status. NOT_LEVEL ("the L4-5 disc", "the C6 nerve root") only keeps a level's
patterns off words that name no vertebral body: the reader never reads it. A spaCy `Span` makes
its tokens again to give its text or offsets, and the reader asked for those, and built the same
`Evidence`, dozens of times a note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy
from spacy.attrs import IS_SPACE, LOWER, NORM
from spacy.tokens import Doc

from vertcode.model import Evidence
from vertcode.nlp.sentences import NoteTokens


class Entity(NamedTuple):
    """One entity: tokens `start` to `end`, characters `start_char` to `end_char`, its `label_`
    and `id_` as its Span has them, its ConText `status` (None when nothing modifies it), the
    `evidence` that cites it, and whether it was `approximate`: a misheard form ("keyhole
    plasty"), a slip the NORM corrected ("kyphopasty") or pieces speech recognition split
    ("kypho plasty"). A named tuple: made ~35 times a note, at a quarter of a frozen dataclass's cost."""

    start: int
    end: int
    start_char: int
    end_char: int
    label_: str
    id_: str
    text: str
    status: str | None
    evidence: Evidence
    approximate: bool

    @property
    def names_work(self) -> bool:
        """A word for the work itself: a technique or device, or old cement that imaging shows
        ("stable cement within L5"), which is how a clinic note names a treated level."""
        return self.label_ in ("TECHNIQUE", "DEVICE") or (self.label_ == "CEMENT" and self.status == "historical")


def read_entities(doc: Doc, tokens: NoteTokens, status: Callable[[int, int, str], str | None]) -> list[Entity]:
    """The Doc's entities but NOT_LEVEL, with `status(start, end, label)` of each."""
    norm, lower, space = doc.to_array([NORM, LOWER, IS_SPACE]).reshape(-1, 3).T
    corrected = set(numpy.flatnonzero((norm != lower) & (space == 0)).tolist())
    found = []
    for span in doc.ents:
        label = span.label_
        if label == "NOT_LEVEL":
            continue
        start, end, id_ = span.start, span.end, span.id_
        start_char, end_char = tokens.idx[start], tokens.end_char(end - 1)
        text = tokens.text[start_char:end_char]
        approximate = id_.endswith("|~") or not corrected.isdisjoint(range(start, end))
        found.append(
            Entity(
                start,
                end,
                start_char,
                end_char,
                label,
                id_,
                text,
                status(start, end, label),
                Evidence(start_char, end_char, text, label),
                approximate,
            )
        )
    return found
