"""The layout of a note: how each sentence is framed, before what it says is read.

Reads the Doc's sentences, `doc._.sections` (vertcode_sections) and `doc.ents`; gives one
`Statement` per sentence: the entities it is read with, whether it stands in a section whose
levels are never treated, whether it is a title, a templated field or an item of a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from vertcode.nlp.reading.encounter import Encounter
from vertcode.nlp.sections import SectionIndex
from vertcode.nlp.sentences import (
    at_item_start,
    at_line_start,
    field_label_end,
    is_heading_line,
    starts_list_item,
    table_row,
)
from vertcode.nlp.tokenizer import note_text

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
#: "Independent trained observer:", "Intra-service sedation time:".
FIELD_NAMES_KEPT = frozenset({"TREATED", "OBSERVER", "SEDATION_TIME", "CEMENT"})


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

    ents: list[Span]
    excluded: bool
    title: bool
    field: bool = False
    new_item: bool = False
    continues_list: bool = False
    addendum: bool = False
    no_cement: bool = False  # a table row whose cement cell is empty, "--" or 0
    copied: bool = False  # in an earlier note copied into this one
    category: str | None = None  # of its section: "plan", "history", "addendum"...


def section_role(section, doc: Doc) -> tuple[str | None, str]:
    """(role, scope) of a medspaCy section; (None, "section") before the first title.

    A heading matched alone on its line carries the roles of all headings: its title says which.
    """
    rule = getattr(section, "rule", None)
    if rule is None:
        return None, "section"
    metadata = rule.metadata
    if "headings" in metadata:
        title = " ".join(doc[section.title_start : section.title_end].text.lower().split())
        metadata = metadata["headings"].get(title, {"role": None})
    return metadata["role"], metadata.get("scope", "section")


def statements(doc: Doc, encounter: Encounter) -> Iterator[Statement]:
    """The note's sentences in order, each framed by the layout around it; a sentence of an
    earlier note copied in (`encounter`) is excluded like a history."""
    sections = _Sections(doc)
    first_word = next((t.i for t in doc if not t.is_space), 0)
    text = note_text(doc)
    ents = [e for e in doc.ents if e.label_ != "NOT_LEVEL"]
    index = 0
    table_header: list[Span] | None = None
    cement_column: int | None = None
    # The kept names ("Levels treated:") of the field whose value may go on as a list below it.
    open_field: list[Span] | None = None
    previous_end = 0
    for sent in doc.sents:
        first = next((t for t in sent if not t.is_space), None)
        if first is None:
            continue
        section = sections.of(first.i)
        role, scope = section_role(section, doc)
        copied = encounter.in_copy(first.idx)
        excluded = sections.is_excluded(first, sent, section, role, scope) or copied
        in_sentence = []
        while index < len(ents) and ents[index].start < sent.end:
            in_sentence.append(ents[index])
            index += 1
        field_end = _field_name_end(first)
        item = starts_list_item(first)
        is_field = continues_list = new_item = False
        if field_end is not None:
            open_field = [e for e in in_sentence if e.start < field_end and e.label_ in FIELD_NAMES_KEPT]
            in_sentence = _drop_field_names(field_end, in_sentence)
            is_field = True
        elif (
            item
            and first.text != "|"
            and open_field is not None
            and not _BLANK_LINE.search(text, previous_end, first.idx)
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
        previous_end = sent[-1].idx if sent[-1].is_space else sent.end_char
        title = _is_title(first, sent, role, first_word) and not sections.title_ended(first, sent, section, role)
        if title and role == "title" and any(e.label_ in _STEPS for e in in_sentence):
            sections.steps_shown(section, sent.end_char)
        no_cement = False
        if at_line_start(first) and (first.text == "|" or table_row(doc, first)):
            # A table row means what its column headers say: "| T11 | yes | 4.0 |" under
            # "| Level | Treated | PMMA (mL) |" is T11 treated with cement; "| L2 | 13G | -- |"
            # is a level the needle reached and no cement.
            if table_header is None and _header_row(text, first, in_sentence, field_end):
                # The header row names columns; it says nothing of the levels in hand.
                table_header, in_sentence = [e for e in in_sentence if e.label_ != "LEVEL"], []
                cement_column = next((_column(text, e.start_char) for e in table_header if e.label_ == "CEMENT"), None)
            elif table_header is not None and any(e.label_ == "LEVEL" for e in in_sentence):
                in_sentence = sorted(in_sentence + table_header, key=lambda e: e.start)
                no_cement = cement_column is not None and bool(
                    _EMPTY_CELL.fullmatch(_cell(text, first.idx, cement_column))
                )
        elif at_line_start(first):
            # A line that is no row ends the table; the rest of a row after a ";" does not.
            table_header = None
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
        )


class _Sections:
    """Which section holds a sentence, and whether its levels can be treated there."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.text = note_text(doc)
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

    def is_excluded(self, first: Token, sent: Span, section, role: str | None, scope: str) -> bool:
        """True in sections whose levels are never treated (indications, history, findings).

        An excluded section ends at the next "Label:" field or heading line that the section rules
        do not know: "Indication: ...  Level(s) treated: L2" treats L2.
        """
        if role != "excluded" or section is self.neutral_section:
            return False
        if first.i < section.body_start:
            return True
        if scope != "section" and FIELD_END[scope].search(self.text, self.doc[section.body_start].idx, first.idx):
            # "Medications: ..." ends at a blank line; "Anesthesia: Local." also at the end of the
            # line its last sentence ends on. The procedure may follow either.
            return False
        if not at_item_start(first):
            return True
        if field_label_end(self.doc, first.i) or is_heading_line(sent):
            self.neutral_section = section
            return False
        return True

    def title_ended(self, first: Token, sent: Span, section, role: str | None) -> bool:
        """A title ("Operation: Balloon kyphoplasty Th11 and Th12.") ends at a blank line after
        its words, or at a field or heading line the section rules do not know ("Report: Prone
        positioning..."): what follows describes the work, it does not name it."""
        if role != "title":
            return False
        if section.title_start in self.ended_titles:
            return True
        shown = self.steps.get(section.title_start)
        if shown is not None and "\n" not in self.text[shown : first.idx]:
            # "Procedure: Prone on the table. L2 first: bilateral cannulas ... L4 next: balloons,
            # 6 mL PMMA": a title running on into the steps of the work has become their description.
            self.ended_titles.add(section.title_start)
            return True
        words = next((t for t in self.doc[section.body_start : first.i] if not t.is_space), None)
        ended = words is not None and (
            bool(_BLANK_LINE.search(self.text, words.idx, first.idx))
            # An item of the title's own list ("2. Conversion to open: ...") is still the title.
            or (at_line_start(first) and (field_label_end(self.doc, first.i) is not None or is_heading_line(sent)))
        )
        if ended:
            self.ended_titles.add(section.title_start)
        return ended


#: Entities that show a step of the work being done, not only name it.
_STEPS = frozenset({"ACCESS", "INJECTION", "REPEAT"})

_SEPARATOR_LINE = re.compile(r"[ \t\-=+|:_]*")


def _header_row(text: str, first: Token, ents: list[Span], field_end: int | None) -> bool:
    """A row of column names: no level, no "Label:" before it ("Intra-service time: start 10:05 |
    end 10:27" is a field written with pipes), and rows below it."""
    if field_end is not None or any(e.label_ == "LEVEL" for e in ents):
        return False
    end = text.find("\n", first.idx)
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


def _is_title(first: Token, sent: Span, role: str | None, first_word: int) -> bool:
    """A procedure title section ("PROCEDURE PERFORMED:"), or a heading as the note's first line."""
    if role is not None:
        return role == "title"
    return first.i == first_word and _is_heading(sent)


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
    """A templated field's name is not a statement: "Cavity creation device: [x] None"; the
    names in FIELD_NAMES_KEPT are, and so is a level that is the whole name ("T ten: bilateral
    access ...", dictated)."""
    return [
        e for e in ents if e.start >= colon or e.label_ in FIELD_NAMES_KEPT or (e.label_ == "LEVEL" and e.end == colon)
    ]
