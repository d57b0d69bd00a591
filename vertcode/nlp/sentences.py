"""Sentence boundaries and field labels in dictated and templated clinical notes.

medspaCy's PyRuSH splitter is the slowest part of `medspacy.load()`; these rules are enough for
operative notes and cost one pass over the tokens.
"""

import re

import numpy
from spacy.attrs import IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Token

from vertcode.nlp.tokenizer import note_text

_TERMINALS = frozenset({".", "!", "?", ";"})
_BULLETS = frozenset({"-", "*", "•", "[", "|"})
_LABEL_WORDS = 5


def field_label_end(doc: Doc, start: int) -> int | None:
    """Index of the colon when a "Label:" of a few words starts at `start`, else None.

    "Level(s) treated:", "Cement:", "Cavity creation:" label a templated report's fields; a
    level such as "T12:" does not.
    """
    words = 0
    for i in range(start, min(len(doc), start + _LABEL_WORDS + 4)):
        token = doc[i]
        if token.text == ":":
            return i if words else None
        if token.is_space:
            return None
        if token.is_alpha:
            words += 1
            if words > _LABEL_WORDS or (words == 1 and not token.text[0].isupper()):
                return None
        elif not (
            token.text in ("(", ")", "/", "&", "-") or (token.text.isdigit() and len(doc[start].text) > 1 and words)
        ):
            return None  # a number may follow a label's first word ("Level 2 of 3:"), not a level's ("L 1:")
    return None


def is_heading_line(sent) -> bool:
    """A short capitalised line standing alone, such as "Procedure Details"."""
    words = [t for t in sent if not t.is_space]
    if not words or len(words) > _LABEL_WORDS or not words[0].text[:1].isupper():
        return False
    if not all(t.is_alpha or t.text in ("&", "/", "-") for t in words):
        return False
    last = words[-1]
    after = sent.doc[last.i + 1] if last.i + 1 < len(sent.doc) else None
    return after is None or (after.is_space and "\n" in after.text)


def at_line_start(token: Token) -> bool:
    if token.i == 0:
        return True
    # spaCy keeps a line break as a white-space token of its own, never as trailing whitespace.
    previous = token.doc[token.i - 1]
    return previous.is_space and "\n" in previous.text


def at_item_start(token: Token) -> bool:
    """At the start of a line, or just after the line's list marker ("3. Cement:", "- Side:")."""
    if at_line_start(token):
        return True
    doc, i = token.doc, token.i
    if i >= 1 and doc[i - 1].text in _BULLETS and at_line_start(doc[i - 1]):
        return True
    return i >= 2 and doc[i - 1].text in (".", ")") and _numbered(doc[i - 2]) and at_line_start(doc[i - 2])


def starts_list_item(first: Token) -> bool:
    """True when a sentence's first word is a bullet or number at the start of a line."""
    return at_line_start(first) and (first.text in _BULLETS or _numbered(first))


def _numbered(token: Token) -> bool:
    doc = token.doc
    return token.text.isdigit() and token.i + 1 < len(doc) and doc[token.i + 1].text in (".", ")")


@Language.factory("vertcode_sentences")
class SentenceSplitter:
    """Sentence boundaries for dictated clinical notes, by rule.

    Reads tokens; writes `token.is_sent_start`. A sentence ends at . ! ? or ; and at a line
    break that follows a blank line or a colon, or starts a list item, an ALL-CAPS heading or a
    "Label:" field. A line break inside wrapped prose does not end a sentence, so ConText's
    scope survives hard-wrapped text.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_sentences"):
        self.name = name
        self.terminals = numpy.array(sorted(nlp.vocab.strings.add(t) for t in _TERMINALS), dtype="uint64")

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        # Whole-array work: a Python loop over every token was the slowest part of this step.
        orth, space = doc.to_array([ORTH, IS_SPACE]).T
        words = numpy.flatnonzero(space == 0)
        starts = numpy.full(len(doc), -1, dtype="int32")
        if len(words):
            ends = numpy.isin(orth[words], self.terminals)
            starts[words[1:][ends[:-1]]] = 1
            starts[words[0]] = 1
        for i in numpy.flatnonzero(space).tolist():
            token = doc[i]
            if "\n" not in token.text:
                continue
            j = numpy.searchsorted(words, i)
            if j == len(words):
                continue
            before = doc[words[j - 1]].text if j else None
            if token.text.count("\n") > 1 or before in (None, ":", ".") or _line_item_follows(token):
                starts[words[j]] = 1
        starts[0] = 1
        doc.from_array([SENT_START], starts.reshape(-1, 1).astype("uint64"))  # type: ignore[arg-type]
        return doc


def table_row(doc: Doc, token: Token) -> bool:
    """The line starting at `token` is a row of a table of cells between pipes ("L2 | 13G | 3.0 |")."""
    text = note_text(doc)
    end = text.find("\n", token.idx)
    return text.count("|", token.idx, len(text) if end < 0 else end) >= 2


_LEVEL_ITEM = re.compile(r"[CTLS][1-9]\d?")
_LEVEL_LINE = re.compile(r"[ \t]*[CTLS][1-9]\d?[ \t]*[-–—:]")
_FIELD_WITH_VALUE = re.compile(r"[ \t]*[A-Z][\w ()/&,-]{0,40}:[ \t]*\S")


def _per_level_list(text: str, at: int) -> bool:
    """The line at `at` is an item of a list of one line per level ("Cement delivery, in order:⏎
    T11 - 4.0 mL PMMA ... implants⏎  L1 - 3.0 mL ... needle"), each a statement of its own; not
    the values of a field above the list ("Cement: PMMA⏎  L2: 3.0 mL⏎  L3: 3.5 mL"), which are
    the field's."""
    start = text.rfind("\n", 0, at) + 1
    if not _LEVEL_LINE.match(text, start):
        return False
    end = text.find("\n", at)
    rows = 1 + bool(end >= 0 and _LEVEL_LINE.match(text, end + 1))
    while start > 0:
        above = text.rfind("\n", 0, start - 1) + 1
        line = text[above : start - 1]
        if not _LEVEL_LINE.match(line):
            # A list of two rows or more under a line ending in a colon; a hard-wrapped "...at T12
            # and⏎L1 - ..." is prose, and "Cement: PMMA⏎  L2: 3.0 mL" the field's values.
            return rows > 1 and line.rstrip().endswith(":") and not _FIELD_WITH_VALUE.match(line)
        rows += 1
        start = above
    return False


_LEADER = re.compile(r"\.{3,}|(?:\. ){3,}")


def leader_field(doc: Doc, token: Token) -> bool:
    """The line starting at `token` is a field with a dot leader ("L5 cement ........ none")."""
    text = note_text(doc)
    end = text.find("\n", token.idx)
    return _LEADER.search(text, token.idx, len(text) if end < 0 else end) is not None


def _line_item_follows(newline: Token) -> bool:
    """A numbered or bulleted item, a table row, an ALL-CAPS heading word or a field label starts
    the next line."""
    doc = newline.doc
    if newline.i + 1 >= len(doc):
        return False
    token = doc[newline.i + 1]
    text = token.text
    if text in _BULLETS or _numbered(token) or table_row(doc, token) or leader_field(doc, token):
        return True
    if _LEVEL_ITEM.fullmatch(text) and _per_level_list(note_text(doc), token.idx):
        return True
    if text.isalpha() and text.isupper() and len(text) > 1:
        return True
    return field_label_end(doc, token.i) is not None
