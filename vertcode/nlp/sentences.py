"""Sentence boundaries and field labels in dictated and templated clinical notes.

medspaCy's PyRuSH splitter is the slowest part of `medspacy.load()`; these rules are enough for
operative notes and cost one pass over the tokens.
"""

import re

import numpy
from spacy.attrs import IDX, IS_ALPHA, IS_SPACE, LENGTH, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from vertcode.nlp.tokenizer import note_text

_TERMINALS = frozenset({".", "!", "?", ";"})
#: Speech recognition that writes the punctuation it hears: "... unchanged period the patient ...".
_SPOKEN_TERMINALS = frozenset({"period", "Period", "PERIOD", "semicolon"})
_SPOKEN = re.compile(r"(?<=\s)(?:(comma|Comma|COMMA)|period|Period|PERIOD)(?=\s)")
_BULLETS = frozenset({"-", "*", "•", "[", "|"})
_LABEL_WORDS = 5


class NoteTokens:
    """A Doc's tokens as plain lists, read from the Doc once: each token's text, offset, whether
    it is white space or letters, and whether a line starts at it.

    The layout rules ask these of the same tokens many times a note; asking a spaCy `Token` each
    time made one (`Doc.__getitem__`) for every question.
    """

    def __init__(self, doc: Doc):
        self.text = note_text(doc)
        # int64: a column of uint64 becomes Python ints at half the speed.
        columns = doc.to_array([IDX, LENGTH, IS_SPACE, IS_ALPHA]).reshape(-1, 4).astype("int64")
        idx = columns[:, 0]
        self.idx: list[int] = idx.tolist()
        self.ends: list[int] = (idx + columns[:, 1]).tolist()
        self.space: list[bool] = columns[:, 2].astype(bool).tolist()
        self.alpha: list[bool] = columns[:, 3].astype(bool).tolist()
        # spaCy keeps a line break as a white-space token of its own, never as trailing whitespace.
        self.line_start = [False] * len(self.idx)
        if self.idx:
            self.line_start[0] = True
        for i in numpy.flatnonzero(columns[:-1, 2]).tolist():
            if "\n" in self.word(i):
                self.line_start[i + 1] = True

    def __len__(self) -> int:
        return len(self.idx)

    def word(self, i: int) -> str:
        """Token `i`'s text; cut from the note only when asked, as most tokens never are."""
        return self.text[self.idx[i] : self.ends[i]]

    def end_char(self, i: int) -> int:
        """Where token `i`'s text ends."""
        return self.ends[i]

    def span_text(self, start: int, end: int) -> str:
        """The text of tokens `start` to `end`, as `doc[start:end].text` gives it."""
        return self.text[self.idx[start] : self.end_char(end - 1)] if end > start else ""

    def first_word(self, start: int, end: int) -> int | None:
        """The first token from `start` to `end` that is not white space."""
        return next((i for i in range(start, end) if not self.space[i]), None)

    def field_label_end(self, start: int) -> int | None:
        """Index of the colon when a "Label:" of a few words starts at `start`, else None.

        "Level(s) treated:", "Cement:", "Cavity creation:" label a templated report's fields; a
        level such as "T12:" does not.
        """
        words = 0
        for i in range(start, min(len(self.idx), start + _LABEL_WORDS + 4)):
            text = self.word(i)
            if text == ":":
                return i if words else None
            if self.space[i]:
                return None
            if self.alpha[i]:
                words += 1
                if words > _LABEL_WORDS or (words == 1 and not text[0].isupper()):
                    return None
            elif not (text in ("(", ")", "/", "&", "-") or (text.isdigit() and len(self.word(start)) > 1 and words)):
                return None  # a number may follow a label's first word ("Level 2 of 3:"), not a level's ("L 1:")
        return None

    def is_heading_line(self, start: int, end: int) -> bool:
        """The tokens from `start` to `end` are a short capitalised line standing alone, such as
        "Procedure Details"."""
        words = [i for i in range(start, end) if not self.space[i]]
        if not words or len(words) > _LABEL_WORDS or not self.word(words[0])[:1].isupper():
            return False
        if not all(self.alpha[i] or self.word(i) in ("&", "/", "-") for i in words):
            return False
        after = words[-1] + 1
        return after == len(self.idx) or (self.space[after] and "\n" in self.word(after))

    def at_item_start(self, i: int) -> bool:
        """At the start of a line, or just after the line's list marker ("3. Cement:", "- Side:")."""
        line_start = self.line_start
        if line_start[i]:
            return True
        if i >= 1 and self.word(i - 1) in _BULLETS and line_start[i - 1]:
            return True
        return i >= 2 and self.word(i - 1) in (".", ")") and self.numbered(i - 2) and line_start[i - 2]

    def starts_list_item(self, i: int) -> bool:
        """True when a sentence's first word, token `i`, is a bullet or number at the start of a line."""
        return self.line_start[i] and (self.word(i) in _BULLETS or self.numbered(i))

    def numbered(self, i: int) -> bool:
        """ "3." or "3)" starts an item; so does a letter with a bracket, "b)" (a letter with a
        full stop may be an initial)."""
        if i + 1 >= len(self.idx):
            return False
        word, after = self.word(i), self.word(i + 1)
        return (word.isdigit() and after in (".", ")")) or (len(word) == 1 and word.isalpha() and after == ")")

    def table_row(self, i: int) -> bool:
        """The line starting at token `i` is a row of a table of cells between pipes ("L2 | 13G | 3.0 |")."""
        start, text = self.idx[i], self.text
        end = text.find("\n", start)
        return text.count("|", start, len(text) if end < 0 else end) >= 2

    def aligned_row(self, i: int) -> bool:
        """The line starting at token `i` is a row of a whitespace-aligned table of levels
        ("T11     bipedicular   13G      2.5 mL")."""
        return _aligned_rows(self.text, self.idx[i])

    def aligned_header(self, i: int) -> bool:
        """The line starting at token `i` names the columns of aligned rows of levels below it
        ("LEVEL   ACCESS   NEEDLE   PMMA")."""
        return _aligned_header(self.text, self.idx[i])

    def leader_field(self, i: int) -> bool:
        """The line starting at token `i` is a field with a dot leader ("L5 cement ........ none")."""
        start, text = self.idx[i], self.text
        end = text.find("\n", start)
        return _LEADER.search(text, start, len(text) if end < 0 else end) is not None


def sentences(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) tokens of each sentence, as `Doc.sents` gives them, without a Span each."""
    if not len(doc):
        return []
    starts = numpy.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return list(zip(starts, [*starts[1:], len(doc)], strict=True))


@Language.factory("vertcode_sentences")
class SentenceSplitter:
    """Sentence boundaries for dictated clinical notes, by rule.

    Reads tokens; writes `token.is_sent_start`. A sentence ends at . ! ? or ; (and at a spoken
    "period" in dictation that writes the punctuation it hears), and at a line
    break that follows a blank line or a colon, or starts a list item, an ALL-CAPS heading or a
    "Label:" field. A line break inside wrapped prose does not end a sentence, so ConText's
    scope survives hard-wrapped text.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_sentences"):
        self.name = name
        self.terminals = numpy.array(sorted(nlp.vocab.strings.add(t) for t in _TERMINALS), dtype="uint64")
        self.spoken = numpy.array(
            sorted(nlp.vocab.strings.add(t) for t in _TERMINALS | _SPOKEN_TERMINALS), dtype="uint64"
        )

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        # Whole-array work: a Python loop over every token was the slowest part of this step.
        orth, space = doc.to_array([ORTH, IS_SPACE]).T
        words = numpy.flatnonzero(space == 0)
        starts = numpy.full(len(doc), -1, dtype="int32")
        if len(words):
            ends = numpy.isin(orth[words], self.spoken if _dictates_punctuation(note_text(doc)) else self.terminals)
            starts[words[1:][ends[:-1]]] = 1
            starts[words[0]] = 1
        tokens = NoteTokens(doc)
        for i in numpy.flatnonzero(space).tolist():
            if "\n" not in tokens.word(i):
                continue
            j = numpy.searchsorted(words, i)
            if j == len(words):
                continue
            before = tokens.word(words[j - 1]) if j else None
            if tokens.word(i).count("\n") > 1 or before in (None, ":", ".") or _line_item_follows(tokens, i + 1):
                starts[words[j]] = 1
        starts[0] = 1
        doc.from_array([SENT_START], starts.reshape(-1, 1).astype("uint64"))  # type: ignore[arg-type]
        return doc


def _dictates_punctuation(text: str) -> bool:
    """A note whose speech recognition wrote the punctuation it heard ("... bilaterally comma a
    needle ... no leakage period the cannulas ...") ends a sentence at a spoken "period";
    elsewhere "period" is a word ("the recovery period"), and nobody writes "comma" for ",".
    """
    if "omma" not in text and "OMMA" not in text:  # every spoken comma holds one: skip the scan
        return False
    spoken = _SPOKEN.findall(text, 0, 20_000)
    return len(spoken) >= 3 and any(spoken)


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


# "  T8  bilat transpedicular; balloons ...": a level, then the gap of a whitespace-aligned column.
_ALIGNED_ROW = re.compile(r"[ \t]*[CTLS][1-9]\d?(?:[ \t]{2,}|\t)\S")
# "LEVEL   ACCESS   NEEDLE   PMMA": column names, two cells at least, no level first.
_ALIGNED_HEADER = re.compile(r"[ \t]*(?![CTLS][1-9])[A-Za-z][^\n]*?\S(?:[ \t]{2,}|\t)\S[^\n]*")


def _line_at(text: str, at: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return start, len(text) if end < 0 else end


def _aligned_rows(text: str, at: int) -> bool:
    """The line at `at` is a row of a whitespace-aligned table of one line per level, as the line
    above or below it is: each row is a statement of its own ("T9  unipedicular ... 3.0 mL PMMA
    into T9⏎  T7  not treated" negates T7 alone). Hard-wrapped prose puts one space after a level,
    not a column's gap."""
    start, end = _line_at(text, at)
    if not _ALIGNED_ROW.match(text, start):
        return False
    if end < len(text) and _ALIGNED_ROW.match(text, end + 1):
        return True
    return start > 0 and _ALIGNED_ROW.match(text, text.rfind("\n", 0, start - 1) + 1) is not None


def _aligned_header(text: str, at: int) -> bool:
    """The line at `at` names the columns of the aligned rows right below it."""
    start, end = _line_at(text, at)
    return end < len(text) and _ALIGNED_HEADER.fullmatch(text, start, end) is not None and _aligned_rows(text, end + 1)


_CLOCK_FIRST = re.compile(r"[ \t]*\d{1,2}:\d{2}\b")


def timeline_row(text: str, start: int) -> bool:
    """The line at `start` is a row of a timeline: it starts with a clock time, and so does the
    line above or below it (a hard-wrapped "end⏎09:53 (41 minutes)" is one line of prose)."""
    if not _CLOCK_FIRST.match(text, start):
        return False
    above = text.rfind("\n", 0, max(start - 1, 0)) + 1
    below = text.find("\n", start) + 1
    first = start > 0 and bool(_CLOCK_FIRST.match(text, above))
    return first or (below > 0 and bool(_CLOCK_FIRST.match(text, below)))


_LEADER = re.compile(r"\.{3,}|(?:\. ){3,}")


def _line_item_follows(tokens: NoteTokens, i: int) -> bool:
    """A numbered or bulleted item, a table row (of pipes or aligned columns), an ALL-CAPS heading
    word or a field label starts the next line, at token `i`."""
    if i >= len(tokens):
        return False
    text = tokens.word(i)
    if text in _BULLETS or tokens.numbered(i) or tokens.table_row(i) or tokens.leader_field(i):
        return True
    if _LEVEL_ITEM.fullmatch(text) and (
        _per_level_list(tokens.text, tokens.idx[i]) or _aligned_rows(tokens.text, tokens.idx[i])
    ):
        return True
    if tokens.aligned_header(i):
        return True
    if text.isalpha() and text.isupper() and len(text) > 1:
        return True
    return tokens.field_label_end(i) is not None
