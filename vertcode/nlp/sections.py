"""Section detection: which section of the note each sentence belongs to.

medspaCy's section rules and matcher find the titles (patterns/sections.json); `SectionFinder`
records the sections, and `SectionIndex` finds the one holding a token.
"""

import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from vertcode.nlp.medspacy_parts import import_medspacy
from vertcode.nlp.saving import rules_from_bytes, rules_from_disk, rules_to_bytes, rules_to_disk
from vertcode.nlp.tokenizer import note_text


@Language.factory("vertcode_sections")
class SectionFinder:
    """Sections as medspaCy's sectionizer finds them, from its `SectionRule`s and matcher.

    Reads tokens; writes `doc._.sections` (medspaCy `Section`s in order, the first untitled when
    the note does not open with a title) and a sentence start at each title and after it.
    medspaCy's sectionizer also writes `token._.section` on every token, which took 0.6 of its
    0.85 ms per note (`make bench`); `SectionIndex` finds a token's section instead. Section
    parents and scope limits, which vertcode's rules do not use, are not supported.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_sections"):
        self.medspacy = import_medspacy()
        self.nlp = nlp
        self.name = name
        self.strings = nlp.vocab.strings
        self._clear()

    def _clear(self) -> None:
        self.matcher = self.medspacy.MedspacyMatcher(self.nlp, name=self.name)
        self.text_rules: list[tuple[int, re.Pattern]] = []  # (match id, regular expression)
        self.rules: dict[int, Any] = {}  # match id -> SectionRule, for the text rules

    def add(self, rules: list) -> None:
        """Adds medspaCy `SectionRule`s. A rule whose pattern is a regular expression is matched
        here, on the note's text: medspaCy's regex matcher rebuilds the Doc's text for each."""
        for rule in rules:
            if isinstance(rule.pattern, str):
                key = self.strings.add(f"{self.name}:text rule {len(self.text_rules)}")
                self.text_rules.append((key, re.compile(rule.pattern)))
                self.rules[key] = rule
            else:
                self.matcher.add([rule])

    def saved_rules(self) -> list:
        """The rules added, the matcher's then the text rules, each in the order added: added
        again so, they get the same match ids."""
        return [*self.matcher.rules, *self.rules.values()]

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        rules_to_disk(path, [rule.to_dict() for rule in self.saved_rules()])

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "SectionFinder":
        self._clear()
        self.add([self.medspacy.SectionRule.from_dict(row) for row in rules_from_disk(path)])
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return rules_to_bytes([rule.to_dict() for rule in self.saved_rules()])

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "SectionFinder":
        self._clear()
        self.add([self.medspacy.SectionRule.from_dict(row) for row in rules_from_bytes(data)])
        return self

    def __call__(self, doc: Doc) -> Doc:
        Section = self.medspacy.Section
        matches = [m for m in self.matcher(doc) if not _inside_a_sentence(doc, m[1], m[2])]
        if self.text_rules:
            text = note_text(doc)
            for key, regex in self.text_rules:
                for match in regex.finditer(text):
                    span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                    if span:
                        matches.append((key, span.start, span.end))
            matches = self.medspacy.prune_overlapping_matches(matches)
        if not matches:
            doc._.sections = [Section(None, 0, 0, 0, len(doc))]
            return doc
        starts = [start for _, start, _ in matches]
        sections = [Section(None, 0, 0, 0, starts[0])] if starts[0] > 0 else []
        boundaries = starts + [end for _, _, end in matches if end < len(doc)]
        for (match_id, start, end), next_start in zip(matches, [*starts[1:], len(doc)], strict=True):
            rule = self.rules.get(match_id) or self.matcher.rule_map[self.strings[match_id]]
            sections.append(Section(rule.category, start, end, end, next_start, rule=rule))
        # At once: setting one token's sent_start looks through the whole Doc for a parse first.
        sentence_starts: Any = doc.to_array([SENT_START])  # spaCy types it as floats, it holds ints
        sentence_starts[boundaries] = 1
        doc.from_array([SENT_START], sentence_starts)
        doc._.sections = sections
        return doc


def _inside_a_sentence(doc: Doc, start: int, end: int) -> bool:
    """ "by the same bipedicular technique: balloons 2 x 2 mL" names no section: a title in lower
    case right after a word or comma is part of the sentence. "...no leak. EBL: 5 mL" and an
    upper-case "IMPRESSION:" still open sections."""
    if start == 0 or doc[start:end].text.isupper():
        return False
    before = doc[start - 1]
    return before.is_alpha or before.text == ","


class SectionIndex:
    """A Doc's sections, looked up by token: `SectionIndex(doc).of(i)` is the `Section` holding
    token `i`."""

    def __init__(self, doc: Doc):
        self.sections = doc._.sections
        self.starts = [section.title_start for section in self.sections]

    def of(self, i: int):
        return self.sections[bisect_right(self.starts, i) - 1]
