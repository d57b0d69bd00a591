"""Moderate sedation as the note records it: what rule 12 needs to decide 99152/99153.

Reads each statement's entities with their context; fills the `Sedation` of the extraction:
the sedation words, the independent observer, an anesthesia provider, and the intra-service
minutes, from a duration, a clock range, or start and stop times.
"""

from __future__ import annotations

import re

from vertcode.levels import NUMBER_WORDS
from vertcode.model import Sedation
from vertcode.nlp.reading.entities import Entity
from vertcode.nlp.reading.events import Context
from vertcode.nlp.sentences import timeline_row


class SedationReader:
    """Gathers the sedation of one note, statement by statement."""

    def __init__(self, context: Context, sedation: Sedation):
        self.context = context
        self.sedation = sedation
        self.line_end = -1  # where the line of the last sedation statement ends
        self.clock: list[int] = []  # start and stop times, minutes after midnight
        text = context.text
        # The lines that name the sedation: "11:38 Procedure complete; sedation time ends" is one.
        self.lines = {
            text.rfind("\n", 0, e.start_char)
            for e in context.ents
            if e.label_ in ("SEDATION", "SEDATION_TIME") and e.status is None
        }

    def read(self, ents: list[Entity]) -> None:
        sedation = self.sedation
        live = [e for e in ents if e.status is None]
        named = [e for e in live if e.label_ in ("SEDATION", "SEDATION_TIME")]
        text = self.context.text
        # A time is the sedation's in a statement that names it ("Intra-service time: start 09:12,
        # end 09:53 (41 minutes)", wrapped or not), or on the rest of the line that did; but a line
        # of a timeline ("10:48  Bilateral 11G access T10") is about its own step, unless it names
        # the sedation ("10:41  Moderate sedation started").
        previous_end = self.line_end
        if named:
            end = text.find("\n", named[-1].end_char)
            self.line_end = len(text) if end < 0 else end
        for ent in live:
            line = text.rfind("\n", 0, ent.start_char)
            in_step = timeline_row(text, line + 1)
            timed = line in self.lines or ent.start_char < previous_end or (bool(named) and not in_step)
            if ent.label_ == "SEDATION":
                sedation.evidence.append(ent.evidence)
            elif ent.label_ == "OBSERVER":
                sedation.observer.append(ent.evidence)
            elif ent.label_ == "ANESTHESIA_CARE":
                sedation.anesthesia.append(ent.evidence)
            elif ent.label_ == "DURATION" and ent.id_ == "clock time" and timed:
                # "Intra-service start time: 13:02" ... "stop time: 13:42".
                sedation.evidence.append(ent.evidence)
                hours, past = map(int, ent.text.split(":"))
                self.clock.append(hours * 60 + past)
            elif ent.label_ in ("SEDATION_TIME", "DURATION") and timed:
                sedation.evidence.append(ent.evidence)
                minutes = _minutes(ent.text)
                if minutes is not None:
                    sedation.minutes = max(sedation.minutes or 0, minutes)

    def finish(self) -> None:
        if self.sedation.minutes is None and len(self.clock) >= 2:
            # From the first time to the latest after it: a dose given at 11:15, written after
            # "11:38 sedation time ends", is within the time, not its end. Past midnight counts;
            # a time more than 12 hours "after" is one written before the start.
            after = [(t - self.clock[0]) % (24 * 60) for t in self.clock[1:]]
            self.sedation.minutes = max((m for m in after if m <= 12 * 60), default=None)


def _minutes(text: str) -> int | None:
    """Minutes in "32 minutes", "25min", dictated "forty five minutes", or a clock range "10:05
    to 10:46"."""
    clock = re.findall(r"(\d{1,2}):(\d{2})", text)
    if len(clock) == 2:
        (h1, m1), (h2, m2) = clock
        return (int(h2) * 60 + int(m2) - int(h1) * 60 - int(m1)) % (24 * 60)
    digits = re.match(r"\d+", text)
    if digits:
        return int(digits.group())
    words = [NUMBER_WORDS.get(w) for w in re.split(r"[ \t-]+", text.lower())[:-1]]
    return sum(w for w in words if w is not None) if words and None not in words else None
