"""The scope of a note: does it document a procedure done in this encounter, and which parts of
it are an earlier note copied in?

Reads the note's text with the line rules of patterns/encounter.json; gives an `Encounter`. A
clinic, emergency, consult, discharge or imaging note names levels treated in the past: it has
a visit signal (SUBJECTIVE:, EXAM:, "Progress Note") and no procedure signal (Surgeon:, EBL,
time-out, "was advanced"). An earlier note pasted into this one ("PRIOR OPERATIVE NOTE - copied
for reference") runs from its opening line to a closing line or a rule of dashes; its words
document that earlier encounter, never this one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from vertcode.model import Evidence


@dataclass(frozen=True)
class Encounter:
    """What the layout of a whole note says about the encounter it documents."""

    procedure: list[Evidence]  # signals of a procedure done now, outside copied notes
    visit: list[Evidence]  # signals of a visit, consult or imaging report
    copied: list[tuple[int, int]]  # character ranges of earlier notes copied in
    copied_titles: list[Evidence]  # the line opening each

    @property
    def documents_procedure(self) -> bool:
        """A note with no signal either way (a short dictation) is read as a procedure note."""
        return bool(self.procedure) or not self.visit

    def in_copy(self, offset: int) -> bool:
        starts = [start for start, _ in self.copied]
        k = bisect_right(starts, offset) - 1
        return k >= 0 and offset < self.copied[k][1]


class EncounterRules:
    """The compiled line rules of patterns/encounter.json.

    The rules of each kind are one alternation, so a note's text is scanned once per kind, not
    once per rule (each scan of Python's `re` costs about 0.1 ms on a note).
    """

    def __init__(self, rules: dict[str, list[str]]):
        def compiled(key: str) -> re.Pattern:
            return re.compile("|".join(f"(?P<r{i}>{regex})" for i, regex in enumerate(rules.get(key, []))), re.I | re.M)

        self.signals = compiled("procedure")
        self.visits = compiled("visit")
        self.copied_start = compiled("copied_start")
        self.copied_end = compiled("copied_end")

    def read(self, text: str) -> Encounter:
        copied, titles = self._copies(text)

        def found(rules: re.Pattern, label: str) -> list[Evidence]:
            signals, cited = [], set()
            for match in rules.finditer(text):
                # One citation a rule is enough; a signal inside an earlier note copied in is that note's.
                if (
                    match.lastgroup not in cited
                    and match.group().strip()
                    and not any(s <= match.start() < e for s, e in copied)
                ):
                    cited.add(match.lastgroup)
                    signals.append(Evidence(match.start(), match.end(), match.group(), label))
            return signals

        return Encounter(found(self.signals, "PROCEDURE_NOTE"), found(self.visits, "VISIT_NOTE"), copied, titles)

    def _copies(self, text: str) -> tuple[list[tuple[int, int]], list[Evidence]]:
        copied: list[tuple[int, int]] = []
        titles: list[Evidence] = []
        position = 0
        while True:
            opening = self.copied_start.search(text, position)
            if opening is None:
                return copied, titles
            line_start = text.rfind("\n", 0, opening.start()) + 1
            line_end = text.find("\n", opening.end())
            line_end = len(text) if line_end < 0 else line_end
            closing = self.copied_end.search(text, line_end)
            end = closing.end() if closing else len(text)
            copied.append((line_start, end))
            titles.append(Evidence(line_start, line_end, text[line_start:line_end], "EARLIER_NOTE"))
            position = end
