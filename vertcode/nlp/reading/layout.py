"""The layout of a note: how each sentence is framed, before what it says is read.

Reads the Doc's sentences, `doc._.sections` (vertcode_sections) and its `Entity` records; gives one
`Statement` per sentence: the entities it is read with, whether it stands in a section whose
levels are never treated, whether it is a title, a templated field or an item of a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc

from vertcode.nlp.reading.encounter import Encounter
from vertcode.nlp.reading.entities import Entity
from vertcode.nlp.sections import SectionIndex
from vertcode.nlp.sentences import NoteTokens, sentences, timeline_row

_HEADING_WORDS = 15
# A table cell saying no cement went in: empty, a dash, zero, "none", "not injected".
_EMPTY_CELL = re.compile(
    r"(?:[-\u2013\u2014]+|0(?:\.0+)?)(?:[ \t]*/[ \t]*(?:[-\u2013\u2014]+|0(?:\.0+)?))*(?:[ \t]*(?:ml|cc))?"
    r"|none|nil|n/?a|not (?:injected|treated|done)|",
    re.I,
)
_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
# Where a field of a section rule's "scope" ends (patterns/sections.json).
FIELD_END = {"paragraph": _BLANK_LINE, "line": re.compile(r"\n[ \t]*\r?\n|[.!?][ \t]*\r?\n")}
#: Field names that are the statement itself: "Levels treated:", "Cement:",
#: "Independent trained observer:", "Intra-service sedation time:", "Anaesthetist: Dr ...".
FIELD_NAMES_KEPT = frozenset({"TREATED", "OBSERVER", "SEDATION_TIME", "CEMENT", "ANESTHESIA_CARE"})


@dataclass(frozen=True)
class Statement:
    """One sentence as the layout frames it.

    `ents`: the entities it is read with (a field's name dropped; a list item read with its
    field's kept name, a table row with its column headers). `excluded`: in a section whose
    levels are never treated. `title`: a procedure title, or a heading as the note's first line.
    `field`: a templated "Label: value" field or an item of its list. `new_item`: a bullet that
    starts a new thought, so it does not go on about the last item's levels. `continues_list`:
    an item of a list under a name that is a statement ("Levels treated:⏎[x] T7⏎[x] T8"), so
    what follows the list goes on about all the levels it names. `addendum`: in an addendum,
    which corrects what the body of the note says. `no_cement`: a table row whose cement column
    is empty, "--" or 0.
    """

    ents: list[Entity]
    excluded: bool
    title: bool
    field: bool = False
    new_item: bool = False
    continues_list: bool = False
    addendum: bool = False
    no_cement: bool = False  # a table row whose cement cell is empty, "--" or 0
    copied: bool = False  # in an earlier note copied into this one
    category: str | None = None  # of its section: "plan", "history", "addendum"...
    inventory: bool = False  # a field listing what the session used: "Implants: Kyphon IBT x2; PMMA"


def section_role(section, tokens: NoteTokens) -> tuple[str | None, str]:
    """(role, scope) of a medspaCy section; (None, "section") before the first title.

    A heading matched alone on its line carries the roles of all headings: its title says which.
    """
    rule = getattr(section, "rule", None)
    if rule is None:
        return None, "section"
    metadata = rule.metadata
    if "headings" in metadata:
        title = " ".join(tokens.span_text(section.title_start, section.title_end).lower().split())
        metadata = metadata["headings"].get(title, {"role": None})
    return metadata["role"], metadata.get("scope", "section")


def statements(doc: Doc, tokens: NoteTokens, ents: list[Entity], encounter: Encounter) -> Iterator[Statement]:
    """The note's sentences in order, each framed by the layout around it; a sentence of an
    earlier note copied in (`encounter`) is excluded like a history."""
    sections = _Sections(doc, tokens, encounter)
    first_word = tokens.first_word(0, len(tokens)) or 0
    text = tokens.text
    index = 0
    table_header: list[Entity] | None = None
    cement_column: int | None = None  # its cell: counted by pipes, or in characters when aligned
    aligned = False  # the table's columns are aligned with white space, not pipes
    # The kept names ("Levels treated:") of the field whose value may go on as a list below it.
    open_field: list[Entity] | None = None
    previous_end = 0
    for start, end in sentences(doc):
        first = tokens.first_word(start, end)
        if first is None:
            continue
        first_char = tokens.idx[first]
        section = sections.of(first)
        role, scope = section_role(section, tokens)
        copied = encounter.in_copy(first_char)
        excluded = sections.is_excluded(first, end, section, role, scope) or copied
        in_sentence = []
        while index < len(ents) and ents[index].start < end:
            in_sentence.append(ents[index])
            index += 1
        field_end = tokens.field_label_end(first) if tokens.at_item_start(first) else None
        item = tokens.starts_list_item(first)
        is_field = continues_list = new_item = False
        if field_end is not None:
            open_field = [e for e in in_sentence if e.start < field_end and e.label_ in FIELD_NAMES_KEPT]
            in_sentence = _drop_field_names(field_end, in_sentence)
            is_field = True
        elif (
            item
            and tokens.word(first) != "|"
            and open_field is not None
            and not _BLANK_LINE.search(text, previous_end, first_char)
        ):
            # "Cavity device:⏎[x] Balloon": a field's value listed on the lines below it is the
            # field's, about the levels in hand. Under a name that is a statement ("Levels
            # treated:⏎[x] T7⏎[x] T8") each item is read with that name.
            in_sentence = sorted(open_field + in_sentence, key=lambda e: e.start)
            is_field = True
            continues_list = bool(open_field)
        else:
            open_field = None
            new_item = item
        # Where the sentence's words end: a blank line after them belongs to its last token.
        last = end - 1
        previous_end = tokens.idx[last] if tokens.space[last] else tokens.end_char(last)
        title = _is_title(tokens, first, end, role, first_word) and not sections.title_ended(first, end, section, role)
        if title and role == "title" and any(e.label_ in _STEPS for e in in_sentence):
            sections.steps_shown(section, tokens.end_char(last))
        no_cement = False
        line_start = tokens.line_start[first]
        if line_start and (tokens.word(first) == "|" or tokens.table_row(first)):
            # A table row means what its column headers say: "| T11 | yes | 4.0 |" under
            # "| Level | Treated | PMMA (mL) |" is T11 treated with cement; "| L2 | 13G | -- |"
            # is a level the needle reached and no cement.
            if aligned:
                table_header, aligned = None, False
            if table_header is None and _header_row(text, first_char, in_sentence, field_end):
                # The header row names columns; it says nothing of the levels in hand.
                table_header, in_sentence = [e for e in in_sentence if e.label_ != "LEVEL"], []
                cement_column = next((_column(text, e.start_char) for e in table_header if e.label_ == "CEMENT"), None)
            elif table_header is not None and any(e.label_ == "LEVEL" for e in in_sentence):
                in_sentence = sorted(in_sentence + table_header, key=lambda e: e.start)
                no_cement = cement_column is not None and bool(
                    _EMPTY_CELL.fullmatch(_cell(text, first_char, cement_column))
                )
        elif line_start and tokens.aligned_header(first) and not any(e.label_ == "LEVEL" for e in in_sentence):
            # "LEVEL   ACCESS   NEEDLE   PMMA" over rows of levels aligned in columns: read as
            # a pipe table's header, by where each column starts on the line.
            table_header, in_sentence = in_sentence, []
            line = text.rfind("\n", 0, first_char) + 1
            cement_column = next((e.start_char - line for e in table_header if e.label_ == "CEMENT"), None)
            aligned = True
        elif line_start and aligned and table_header is not None and tokens.aligned_row(first):
            in_sentence = sorted(in_sentence + table_header, key=lambda e: e.start)
            no_cement = cement_column is not None and bool(
                _EMPTY_CELL.fullmatch(_aligned_cell(text, text.rfind("\n", 0, first_char) + 1, cement_column))
            )
        elif line_start:
            # A line that is no row ends the table; the rest of a row after a ";" does not.
            table_header, aligned = None, False
        category = getattr(section, "category", None)
        yield Statement(
            in_sentence,
            excluded,
            title,
            is_field,
            new_item,
            continues_list,
            category == "addendum",
            no_cement,
            copied,
            category,
            inventory=is_field and encounter.in_inventory(first_char),
        )


class _Sections:
    """Which section holds a sentence, and whether its levels can be treated there."""

    def __init__(self, doc: Doc, tokens: NoteTokens, encounter: Encounter):
        self.tokens = tokens
        self.encounter = encounter
        self.text = tokens.text
        self.index = SectionIndex(doc)
        # An excluded section ended by a field or heading line its rules do not know.
        self.neutral_section = None
        self.ended_titles: set[int] = set()
        self.steps: dict[int, int] = {}  # title section -> where its first sentence of steps ends

    def steps_shown(self, section, end: int) -> None:
        """A sentence of a title shows a step of the work (a needle placed, cement injected)."""
        self.steps.setdefault(section.title_start, end)

    def of(self, i: int):
        return self.index.of(i)

    def is_excluded(self, first: int, end: int, section, role: str | None, scope: str) -> bool:
        """True in sections whose levels are never treated (indications, history, findings).

        An excluded section ends at the next "Label:" field or heading line that the section rules
        do not know: "Indication: ...  Level(s) treated: L2" treats L2.
        """
        if role != "excluded" or section is self.neutral_section:
            return False
        tokens = self.tokens
        if first < section.body_start:
            return True
        if scope != "section" and FIELD_END[scope].search(self.text, tokens.idx[section.body_start], tokens.idx[first]):
            # "Medications: ..." ends at a blank line; "Anesthesia: Local." also at the end of the
            # line its last sentence ends on. The procedure may follow either.
            return False
        if not tokens.at_item_start(first):
            return True
        if (
            (tokens.field_label_end(first) and not self.encounter.dated_imaging_at(tokens.idx[first]))
            or tokens.is_heading_line(first, end)
            or self._terse_label(first)
            # "Plan: BKP T11 + L2⏎⏎08:10 T11 L pedicle: 11G trocar ...": a timeline records the work.
            or (tokens.line_start[first] and timeline_row(self.text, tokens.idx[first]))
        ):
            self.neutral_section = section
            return False
        return True

    def _terse_label(self, first: int) -> bool:
        """ "...MRI: L4 edema.⏎sedation: moderate, by me": a terse note's one lower-case word and a
        colon, on a line of its own after a full stop, labels a field as "Sedation:" does."""
        tokens = self.tokens
        if not (tokens.line_start[first] and tokens.alpha[first] and first + 1 < len(tokens)):
            return False
        if tokens.word(first + 1) != ":":
            return False
        i = tokens.idx[first] - 1
        while i >= 0 and self.text[i].isspace():  # not rstrip(): that would copy the note's head
            i -= 1
        return i < 0 or self.text[i] in ".:"

    def title_ended(self, first: int, end: int, section, role: str | None) -> bool:
        """A title ("Operation: Balloon kyphoplasty Th11 and Th12.") ends at a blank line after
        its words, or at a field or heading line the section rules do not know ("Report: Prone
        positioning..."): what follows describes the work, it does not name it."""
        if role != "title":
            return False
        if section.title_start in self.ended_titles:
            return True
        shown = self.steps.get(section.title_start)
        tokens = self.tokens
        if shown is not None and "\n" not in self.text[shown : tokens.idx[first]]:
            # "Procedure: Prone on the table. L2 first: bilateral cannulas ... L4 next: balloons,
            # 6 mL PMMA": a title running on into the steps of the work has become their description.
            self.ended_titles.add(section.title_start)
            return True
        words = tokens.first_word(section.body_start, first)
        ended = words is not None and (
            bool(_BLANK_LINE.search(self.text, tokens.idx[words], tokens.idx[first]))
            # An item of the title's own list ("2. Conversion to open: ...") is still the title.
            or (
                tokens.line_start[first]
                and (tokens.field_label_end(first) is not None or tokens.is_heading_line(first, end))
            )
        )
        if ended:
            self.ended_titles.add(section.title_start)
        return ended


#: Entities that show a step of the work being done, not only name it.
_STEPS = frozenset({"ACCESS", "INJECTION", "REPEAT"})

_SEPARATOR_LINE = re.compile(r"[ \t\-=+|:_]*")


def _header_row(text: str, line_start: int, ents: list[Entity], field_end: int | None) -> bool:
    """A row of column names: no level, no "Label:" before it ("Intra-service time: start 10:05 |
    end 10:27" is a field written with pipes), and rows below it."""
    if field_end is not None or any(e.label_ == "LEVEL" for e in ents):
        return False
    end = text.find("\n", line_start)
    while end >= 0:
        following = text.find("\n", end + 1)
        line = text[end + 1 : len(text) if following < 0 else following]
        if not _SEPARATOR_LINE.fullmatch(line):
            return line.count("|") >= 2
        end = following
    return False


def _column(text: str, offset: int) -> int:
    """Which cell of its line, counted by the pipes before it, the character at `offset` is in."""
    return text.count("|", text.rfind("\n", 0, offset) + 1, offset)


def _cell(text: str, line_start: int, column: int) -> str:
    end = text.find("\n", line_start)
    cells = text[line_start : len(text) if end < 0 else end].split("|")
    return cells[column].strip() if column < len(cells) else ""


_ALIGNED_CELL = re.compile(r"\S+(?: \S+)*")


def _aligned_cell(text: str, line_start: int, column: int) -> str:
    """The cell of an aligned row that starts at its header's `column` (within two characters,
    as hand-aligned columns drift); empty when nothing is written there."""
    end = text.find("\n", line_start)
    row = text[line_start : len(text) if end < 0 else end]
    cell = next((m for m in _ALIGNED_CELL.finditer(row) if abs(m.start() - column) <= 2), None)
    return cell.group() if cell else ""


def _is_title(tokens: NoteTokens, first: int, end: int, role: str | None, first_word: int) -> bool:
    """A procedure title section ("PROCEDURE PERFORMED:"), or a heading as the note's first line."""
    if role is not None:
        return role == "title"
    return first == first_word and _is_heading(tokens, first, end)


def _is_heading(tokens: NoteTokens, first: int, end: int) -> bool:
    """A short line with no closing full stop: "BALLOON KYPHOPLASTY T11 THROUGH L1"."""
    words = [i for i in range(first, end) if not tokens.space[i]]
    after = end if end < len(tokens) else None
    ends_line = after is None or (tokens.space[after] and "\n" in tokens.word(after)) or tokens.space[end - 1]
    return ends_line and len(words) <= _HEADING_WORDS and tokens.word(words[-1]) != "."


def _drop_field_names(colon: int, ents: list[Entity]) -> list[Entity]:
    """A templated field's name is not a statement: "Cavity creation device: [x] None"; the
    names in FIELD_NAMES_KEPT are, and so is a level that is the whole name ("T ten: bilateral
    access ...", dictated)."""
    return [
        e for e in ents if e.start >= colon or e.label_ in FIELD_NAMES_KEPT or (e.label_ == "LEVEL" and e.end == colon)
    ]
