"""Entities the rules find beyond spaCy's span ruler: regular expressions over the text, and
abbreviations the note defines."""

import re
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from vertcode.nlp.saving import rules_from_bytes, rules_from_disk, rules_to_bytes, rules_to_disk
from vertcode.nlp.tokenizer import note_text


@Language.factory("vertcode_regex_ruler")
class RegexRuler:
    """Entities from regular expressions over the note's text.

    Reads the note's text; writes `doc.ents`, keeping the longest of overlapping spans as spaCy's
    span ruler does. A match counts only where it starts and ends on token boundaries; a
    trailing "\\b" makes a regular expression back off to a shorter match ("T11" of "T11-L1x")
    rather than run into a word. For speed, begin one with the characters a match starts with
    ("[CTLSctls]"), which Python's `re` skips ahead to, or with "\\b" before a list of words,
    which fails at once inside a word.

    Levels ("T12", "T11 to L1", "L 1") are matched this way rather than by token patterns:
    spaCy's Matcher tries every pattern at every token and calls a Python predicate for each
    REGEX or IN, which made level matching the slowest step of the pipeline (`make bench`).

    `add_patterns` takes {"label", "id", "regex"} rows, with "requires" where every match contains one of
    a few words (lower case): a rule none of whose words is in the note is not run, since a scan
    of Python's `re` over a note costs about 0.1 ms whatever the pattern.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_regex_ruler"):
        self.name = name
        self.strings = nlp.vocab.strings
        self.patterns: list[dict] = []
        self.rules: list[tuple[int, int, re.Pattern, tuple[str, ...]]] = []

    def add_patterns(self, patterns: list[dict]) -> None:
        self.patterns.extend(patterns)
        self.rules.extend(
            (
                self.strings.add(row["label"]),
                self.strings.add(row["id"]),
                re.compile(row["regex"]),
                tuple(row.get("requires", ())),
            )
            for row in patterns
        )

    def _clear(self) -> None:
        self.patterns, self.rules = [], []

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        rules_to_disk(path, self.patterns)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "RegexRuler":
        self._clear()
        self.add_patterns(rules_from_disk(path))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return rules_to_bytes(self.patterns)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "RegexRuler":
        self._clear()
        self.add_patterns(rules_from_bytes(data))
        return self

    def __call__(self, doc: Doc) -> Doc:
        text = note_text(doc)
        lower = text.lower()
        spans = []
        for label, ident, regex, requires in self.rules:
            if requires and not any(word in lower for word in requires):
                continue
            match = regex.search(text)
            while match:
                span = doc.char_span(match.start(), match.end(), label=label, span_id=ident)
                if span is None:  # inside a token: look again from the next character
                    match = regex.search(text, match.start() + 1)
                else:
                    spans.append(span)
                    match = regex.search(text, match.end())
        if spans:
            doc.ents = filter_spans(list(doc.ents) + spans)
        return doc


@Language.factory("vertcode_abbreviations")
class AbbreviationLabeller:
    """Gives an abbreviation defined in the note the label of its long form.

    Runs scispacy's AbbreviationDetector, which writes `doc._.abbreviations`, then reads them and
    `doc.ents`; writes `doc.ents`: "percutaneous vertebral augmentation (PVA) ... PVA at L1"
    labels each "PVA" TECHNIQUE/augmentation like the phrase it stands for.

    The detector runs only where its result can matter: it finds definitions only at a "(" token
    (its one pattern), and a definition labels nothing unless its long form overlaps an entity
    other than a level. Elsewhere it would find nothing used, and it was 8% of a note's time.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_abbreviations"):
        from scispacy.abbreviation import AbbreviationDetector

        self.name = name
        self.detector = AbbreviationDetector(nlp)

    def __call__(self, doc: Doc) -> Doc:
        if "(" not in note_text(doc) or all(e.label_ in ("LEVEL", "NOT_LEVEL") for e in doc.ents):
            return doc
        self.detector(doc)
        if not doc._.abbreviations:
            return doc
        ents = list(doc.ents)
        added = []
        for short in doc._.abbreviations:
            long_form = short._.long_form
            if not (short.text.isupper() and len(short.text) > 1):
                continue  # "Balloon (mL)" defines no abbreviation
            labelled = [
                e
                for e in ents
                if e.start < long_form.end and long_form.start < e.end and e.label_ not in ("LEVEL", "NOT_LEVEL")
            ]
            if len(labelled) != 1:
                continue
            source = labelled[0]
            added.append(Span(doc, short.start, short.end, label=source.label, span_id=source.id))
        if added:
            doc.ents = filter_spans(ents + added)
        return doc
