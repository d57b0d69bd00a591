"""The scope of a note: does it document a procedure done in this encounter, and which parts of
it are an earlier note copied in?

Reads the note's text with the line rules of patterns/encounter.json; gives an `Encounter`. A
clinic, emergency, consult, discharge or imaging note names levels treated in the past: it has
a visit signal (SUBJECTIVE:, EXAM:, "Progress Note") and no procedure signal (Surgeon:, EBL,
time-out, "was advanced"). An earlier note pasted into this one ("PRIOR OPERATIVE NOTE - copied
for reference") runs from its opening line to a closing line or a rule of dashes; its words
document that earlier encounter, never this one. An inventory line ("Implants: Kyphon IBT x2;
PMMA") lists what the session used; a dated imaging result ("MRI pelvis 2024-10-15:") is
written inside the indication or history that holds it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from vertcode.model import Evidence


@dataclass(frozen=True)
class Encounter:
    """What the layout of a whole note says about the encounter it documents."""

    procedure: list[Evidence]  # signals of a procedure done now, outside copied notes
    visit: list[Evidence]  # signals of a visit, consult or imaging report
    copied: list[tuple[int, int]]  # character ranges of earlier notes copied in
    copied_titles: list[Evidence]  # the line opening each
    inventory: list[tuple[int, int]] = field(default_factory=list)  # lines listing what the session used
    dated_imaging: frozenset[int] = frozenset()  # where a label of a dated imaging result begins

    @property
    def documents_procedure(self) -> bool:
        """A note with no signal either way (a short dictation) is read as a procedure note."""
        return bool(self.procedure) or not self.visit

    def in_copy(self, offset: int) -> bool:
        return _within(self.copied, offset)

    def in_inventory(self, offset: int) -> bool:
        """On a line such as "Implants: Kyphon Xpander II IBT x2; PMMA", which lists what the
        session used, not what was done at the levels in hand."""
        return _within(self.inventory, offset)

    def dated_imaging_at(self, offset: int) -> bool:
        """ "MRI pelvis 2024-10-15:", "DXA 2024-09:" begins here: a result, not a field that ends
        the section it is written in."""
        return offset in self.dated_imaging


def _within(ranges: list[tuple[int, int]], offset: int) -> bool:
    k = bisect_right([start for start, _ in ranges], offset) - 1
    return k >= 0 and offset < ranges[k][1]


class EncounterRules:
    """The compiled line rules of patterns/encounter.json.

    A scan of Python's `re` over a note costs about 0.1 ms; a rule whose "requires" words are
    all missing from the note is not scanned, and each rule stops at its first match.
    """

    def __init__(self, rules: dict[str, list[dict]]):
        def compiled(key: str) -> list[tuple[re.Pattern, tuple[str, ...]]]:
            return [(re.compile(r["regex"], re.I | re.M), tuple(r["requires"])) for r in rules.get(key, [])]

        self.signals = compiled("procedure")
        self.visits = compiled("visit")
        self.copied_start = compiled("copied_start")
        self.copied_end = compiled("copied_end")
        self.inventory = compiled("inventory")
        self.dated_imaging = compiled("dated_imaging")

    def read(self, text: str) -> Encounter:
        lower = text.lower()
        copied, titles = self._copies(text, lower)

        def found(rules: list[tuple[re.Pattern, tuple[str, ...]]], label: str) -> list[Evidence]:
            signals = []
            for rule in _runnable(rules, lower):
                # One citation a rule is enough; a signal inside an earlier note copied in is that note's.
                for match in rule.finditer(text):
                    if match.group().strip() and not any(s <= match.start() < e for s, e in copied):
                        signals.append(Evidence(match.start(), match.end(), match.group(), label))
                        break
            return sorted(signals)

        inventory = sorted(
            (m.start(), m.end()) for rule in _runnable(self.inventory, lower) for m in rule.finditer(text)
        )
        dated = frozenset(m.start() for rule in _runnable(self.dated_imaging, lower) for m in rule.finditer(text))
        return Encounter(
            found(self.signals, "PROCEDURE_NOTE"), found(self.visits, "VISIT_NOTE"), copied, titles, inventory, dated
        )

    def _copies(self, text: str, lower: str) -> tuple[list[tuple[int, int]], list[Evidence]]:
        copied: list[tuple[int, int]] = []
        titles: list[Evidence] = []
        position = 0
        while True:
            opening = _first(self.copied_start, text, lower, position)
            if opening is None:
                return copied, titles
            line_start = text.rfind("\n", 0, opening.start()) + 1
            line_end = text.find("\n", opening.end())
            line_end = len(text) if line_end < 0 else line_end
            closing = _first(self.copied_end, text, lower, line_end)
            while closing is not None and not text[line_end : closing.start()].strip():
                # A rule drawn right under the opening line frames the copy; it does not end it.
                closing = _first(self.copied_end, text, lower, closing.end())
            end = closing.end() if closing else len(text)
            copied.append((line_start, end))
            titles.append(Evidence(line_start, line_end, text[line_start:line_end], "EARLIER_NOTE"))
            position = end


def _runnable(rules: list[tuple[re.Pattern, tuple[str, ...]]], lower: str) -> list[re.Pattern]:
    return [rule for rule, requires in rules if not requires or any(w in lower for w in requires)]


def _first(rules, text: str, lower: str, position: int) -> re.Match | None:
    """The earliest match of any of `rules` from `position`."""
    matches = [m for rule in _runnable(rules, lower) if (m := rule.search(text, position))]
    return min(matches, key=lambda m: m.start(), default=None)
