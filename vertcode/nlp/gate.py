"""A test on a note's raw text, before it is tokenized: can the rulers find anything that matters?

Most notes of a mixed backlog are other procedures. The pipeline gives a note with no level,
technique, device or cement entity after the rulers no finding, code or flag (`NOT_OURS` in
vertcode.nlp.bounded_context), unless one of ConText's caps cuts it (then it is read, and gets
"note-read-in-part"). `Gate.passes` is False only where the text proves both: no relevant rule can
match, and the note holds too few terms and modifiers for any cap. Such a note is not tokenized;
it gets the result of an empty extraction, which is what the pipeline gives it.

Everything is derived from the built pipeline, so an edit to a pattern file moves the gate with it:
the regex ruler's rules, the first word of every phrase of the span ruler and of ConText (as their
matchers read it: the NORM of the phrase's first token), the tokenizer's special cases, the NORM
lookup of spaCy's English, the normaliser's corrections and the dictation joiner's words.

Why a count of words of the text bounds the tokens whose NORM is some word `n` (`_FirstWords`):
a token's NORM is a special case's NORM, or the normaliser's ("¶" for white space, "yyyy" for a
year, a correction of a word of six letters or more), or the joiner's (for a run of pieces whose
first piece begins the joined word, or a run of spelled letters), or spaCy's lexeme NORM: the
lookup's value for the token's text, else its lower case. spaCy's tokenizer splits a chunk between
two letters only inside a special case ("cannot": "can", "not") and, for a chunk longer than
`LONG_RUN`, vertcode's own cuts (such a note is not gated); a prefix, suffix or infix is never a
letter next to a letter. So a token of letters that is not in a special case is a whole run of
letters of the text, and counting the runs of the lower-cased text that could be such a token,
with every occurrence of a special case counted for each of its pieces that could be, gives at
least as many as there are tokens. Each match of a phrase, and each modifier (medspaCy prunes
overlapping ones), starts at a token of its own; entities do not overlap: so the counts bound the
entities and modifiers. tests/test_gate.py checks the steps of this on the pipeline as built.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable
from typing import Any

from spacy.attrs import NORM, ORTH
from spacy.language import Language

from vertcode.nlp.bounded_context import MAX_MODIFIERS, MAX_SENTENCE_MODIFIERS, MAX_SENTENCE_TERMS, MAX_TERMS, RELEVANT
from vertcode.nlp.norms import LINE_BREAK, YEAR
from vertcode.nlp.tokenizer import LONG_RUN

#: Runs of letters ("\w" less digits and "_": str.isalpha for every character `_letters_agree` lets by).
_RUN = re.compile(r"[^\W\d_]+")
_LONG_RUN = re.compile(rf"\S{{{LONG_RUN + 1}}}")
_YEAR_RUN = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")
_SPACE = re.compile(r"\s")
_APOSTROPHES = "'’‘`´"
_UPPER = string.ascii_uppercase
# The caps hold whatever the sentences are when a note's totals stay under the per-sentence caps.
assert MAX_SENTENCE_TERMS <= MAX_TERMS and MAX_SENTENCE_MODIFIERS <= MAX_MODIFIERS


class Gate:
    """Built from a pipeline of vertcode.nlp.pipeline.build, before it codes any note (a year's
    lexeme takes the NORM "yyyy" once a note has shown it, and a phrase's first NORM is read here
    as its matcher read it when the phrase was added)."""

    def __init__(self, nlp: Language):
        norms: Any = nlp.get_pipe("vertcode_norms")
        joiner: Any = nlp.get_pipe("vertcode_dictation")
        regex_ruler: Any = nlp.get_pipe("vertcode_regex_ruler")
        span_ruler: Any = nlp.get_pipe("span_ruler")
        context: Any = nlp.get_pipe("medspacy_context")
        strings = nlp.vocab.strings
        self.correction = norms.correction
        self.known = norms.known
        self.vocabulary = frozenset(norms.vocabulary)
        if not all(isinstance(p["pattern"], str) for p in span_ruler.patterns) or any(
            rule.pattern is not None for rule in context.rules
        ):
            raise ValueError("the gate reads phrases only: a token pattern needs its own derivation")
        self.relevant_rules = [(r, words) for label, _, r, words in regex_ruler.rules if strings[label] in RELEVANT]
        self.other_rules = [(r, words) for label, _, r, words in regex_ruler.rules if strings[label] not in RELEVANT]
        first = _first_norms(nlp)
        self.relevant = _FirstWords(self, nlp, joiner, {first(p["pattern"]) for p in _relevant(span_ruler.patterns)})
        self.terms = _FirstWords(self, nlp, joiner, {first(p["pattern"]) for p in span_ruler.patterns})
        self.modifiers = _FirstWords(self, nlp, joiner, {first(rule.literal) for rule in context.rules})
        self._corrections: dict[str, str | None] = {}

    def passes(self, text: str) -> bool:
        """False only if the pipeline is sure to find no level, technique, device or cement in
        `text` and to cut nothing of it (see the module's docstring): True when in doubt."""
        if _LONG_RUN.search(text) or not _letters_agree(text):
            return True
        lower = text.lower()
        # The levels first: in a note of ours, one is found within its first lines.
        if any(_can_match(regex, words, text, lower) for regex, words in self.relevant_rules):
            return True
        runs = Counter(_RUN.findall(lower))
        if self.relevant.bound(text, lower, runs, limit=0) > 0:
            return True
        if self.modifiers.bound(text, lower, runs, limit=MAX_SENTENCE_MODIFIERS) > MAX_SENTENCE_MODIFIERS:
            return True
        terms = sum(_matches(regex, words, text, lower) for regex, words in self.other_rules)
        if "(" in text:
            # The abbreviation labeller adds entities, each an upper-case short form of its own.
            if not text.isascii():
                return True
            terms += sum(map(text.count, _UPPER))
        return self.terms.bound(text, lower, runs, limit=MAX_SENTENCE_TERMS - terms) + terms > MAX_SENTENCE_TERMS

    def corrected(self, word: str) -> str | None:
        """The normaliser's correction of a word, remembered."""
        if word not in self._corrections:
            self._corrections[word] = self.correction(word)
        return self._corrections[word]


class _FirstWords:
    """Tokens that could have a NORM of `norms` (phrases' first NORMs), counted on the text."""

    def __init__(self, gate: Gate, nlp: Language, joiner: Any, norms: set[str]):
        self.gate = gate
        self.norms = frozenset(norms)
        lookup = norm_lookup(nlp)
        #: Words whose NORM is the word itself, lower case (spaCy's lexeme NORM): runs of letters.
        self.words = frozenset(n for n in norms if n.isalpha())
        #: Other NORMs, found as they are in the lower-cased text, and texts the lookup maps to one.
        self.lower_texts = sorted(n for n in norms if not n.isalpha() and n not in (LINE_BREAK, YEAR))
        self.texts = sorted(orth for orth, norm in lookup.items() if norm in self.norms)
        self.years = YEAR in self.norms
        self.spaces = LINE_BREAK in self.norms
        #: The first pieces of a run the joiner makes one of these words; letters spelling one.
        self.piece_starts = frozenset(
            w[:k] for w in norms & joiner.words for k in range(3, len(w)) if w[:k] in joiner.prefixes
        )
        #: Spelled letters ("P. M. M. A.") the joiner makes one of these words: the first, its
        #: full stop and the next letter's.
        letters = sorted({w[0] for w in norms & joiner.letters})
        self.spelled = re.compile(rf"(?=[{''.join(letters)}]\. ?[a-z]\.)") if letters else None
        self.correctable = bool(norms & gate.vocabulary)
        #: Special cases with the number of their pieces that could be such a token: one of
        #: letters only is a whole run of letters (a special case is matched on a chunk less its
        #: prefixes and suffixes), counted on the runs, in lower case; others on the text.
        self.special_runs: dict[str, int] = {}
        self.special_texts: list[tuple[str, int]] = []
        self.apostrophe_texts: list[tuple[str, int]] = []
        for orth, pieces in nlp.tokenizer.rules.items():  # type: ignore[union-attr]
            weight = sum(self._could_be(piece, lookup) for piece in pieces)
            if not weight:
                continue
            if orth.isalpha():
                self.special_runs[orth.lower()] = max(weight, self.special_runs.get(orth.lower(), 0))
            elif any(c in orth for c in _APOSTROPHES):
                self.apostrophe_texts.append((orth, weight))
            else:
                self.special_texts.append((orth, weight))

    def _could_be(self, piece: dict, lookup: dict) -> bool:
        orth = piece[ORTH]
        if NORM in piece:  # given by the special case
            return piece[NORM] in self.norms
        lower = orth.lower()
        return (
            lookup.get(orth, lower) in self.norms
            or self.gate.correction(lower) in self.norms
            or (self.years and bool(_YEAR_RUN.fullmatch(orth)))
            or (self.spaces and orth.isspace())
            or lower in self.piece_starts
        )

    def bound(self, text: str, lower: str, runs: Counter[str], limit: int) -> int:
        """At least the number of tokens of `text` that could have one of the NORMs (it stops
        counting once past `limit`)."""
        count = 0
        for run, times in runs.items():
            if (
                run in self.words
                or (run in self.piece_starts and _starts_pieces(run, lower))
                or (
                    self.correctable
                    and len(run) >= 6
                    and run not in self.gate.known
                    and self.gate.corrected(run) in self.norms
                )
            ):
                count += times
            if run in self.special_runs:
                count += times * self.special_runs[run]
            if count > limit:
                return count
        count += sum(map(lower.count, self.lower_texts)) + sum(map(text.count, self.texts))
        count += sum(text.count(orth) * weight for orth, weight in self.special_texts)
        if self.spelled is not None:
            count += len(self.spelled.findall(lower))
        if self.years:
            count += len(_YEAR_RUN.findall(text))
        if self.spaces:  # a white-space token holds one white-space character at least
            count += len(_SPACE.findall(text))
        if count > limit or not any(c in text for c in _APOSTROPHES):
            return count
        return count + sum(text.count(orth) * weight for orth, weight in self.apostrophe_texts)


def _starts_pieces(run: str, lower: str) -> bool:
    """Whether the run stands somewhere before one space and a letter, as the first piece of a
    word the joiner puts together does ("kypho plasty")."""
    return re.search(rf"(?<![^\W\d_]){run} [^\W\d_]", lower) is not None


def norm_lookup(nlp: Language) -> dict[str, str]:
    """spaCy's lexeme NORM getter for English: lookups of texts ("—": "-"), the first that has the
    text giving it, else the lower case."""
    getter = nlp.vocab.lex_attr_getters[NORM]  # type: ignore[attr-defined]
    if getattr(getter, "func", None).__name__ != "_get_attr_unless_lookup" or len(getter.args) != 2:  # type: ignore[union-attr]
        raise ValueError(f"spaCy's NORM getter is not the one the gate was derived for: {getter!r}")
    merged: dict[str, str] = {}
    for table in reversed(getter.args[1]):
        merged.update(table)
    return merged


def _first_norms(nlp: Language):
    def first(phrase: str) -> str:
        return nlp.make_doc(phrase)[0].norm_

    return first


def _relevant(patterns: Iterable[dict]) -> list[dict]:
    return [p for p in patterns if p["label"] in RELEVANT]


def _can_match(regex: re.Pattern, words: tuple[str, ...], text: str, lower: str) -> bool:
    """Whether the regex ruler could take a match of this rule (it skips a rule none of whose
    `requires` words is in the lower-cased text, and keeps only matches on token boundaries)."""
    if words and not any(word in lower for word in words):
        return False
    return regex.search(text) is not None


def _matches(regex: re.Pattern, words: tuple[str, ...], text: str, lower: str) -> int:
    """At least the number of entities the regex ruler could take from this rule: the positions
    at which it matches (the ruler's matches start at different positions)."""
    if words and not any(word in lower for word in words):
        return 0
    count, match = 0, regex.search(text)
    while match:
        count += 1
        match = regex.search(text, match.start() + 1)
    return count


def _letters_agree(text: str) -> bool:
    """Whether "a run of letters" means the same to `_RUN` as to str.isalpha for this text's
    characters and their lower case (they differ for a few, such as "²", which `\\w` takes)."""
    if text.isascii():
        return True
    return all(
        all(bool(_RUN.fullmatch(c)) == c.isalpha() for c in (ch, *ch.lower()))
        and (ch.isalpha() or not any(c.isalpha() for c in ch.lower()))
        for ch in set(text)
        if not ch.isascii()
    )
