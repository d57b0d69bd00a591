"""The gate before tokenizing (vertcode.nlp.gate): derived from the patterns, it lets every text
a relevant rule could match through, and its counts bound what the pipeline finds.

tests/test_differential.py holds the results; these hold the derivation's steps, so a pattern
file, a special case or a spaCy upgrade that breaks one fails here by name.
"""

import random
import re
import sys

import pytest
from spacy.attrs import NORM, ORTH

from vertcode.nlp.bounded_context import RELEVANT
from vertcode.nlp.gate import _RUN, Gate, norm_lookup


@pytest.fixture(scope="module")
def built():
    from vertcode.nlp.pipeline import build

    nlp = build()
    return nlp, Gate(nlp)


def _phrases(nlp, relevant_only=True):
    return [p["pattern"] for p in nlp.get_pipe("span_ruler").patterns if p["label"] in RELEVANT or not relevant_only]


def test_every_relevant_phrase_passes_as_written_and_in_upper_case(built):
    nlp, gate = built
    for phrase in _phrases(nlp):
        for text in (phrase, phrase.upper(), f"Other words first, then {phrase}, and the rest."):
            assert gate.passes(text.replace("¶", "\n")), text


def test_a_relevant_phrase_split_misspelt_or_spelled_passes(built):
    nlp, gate = built
    joiner = nlp.get_pipe("vertcode_dictation")
    norms = nlp.get_pipe("vertcode_norms")
    firsts = gate.relevant.norms
    for word in sorted(firsts & joiner.words):
        for cut in range(3, len(word) - 1):
            assert gate.passes(f"done by {word[:cut]} {word[cut:]} today"), word
    for word in sorted(firsts & set(norms.vocabulary)):
        if len(word) >= 6:
            slips = {word[:i] + word[i + 1 :] for i in range(1, len(word))}  # one letter dropped
            slips |= {word[:i] + "x" + word[i + 1 :] for i in range(len(word))}
            for slip in slips:
                if norms.correction(slip) in firsts:
                    assert gate.passes(f"a {slip} was done"), slip
    for word in sorted(firsts & joiner.letters):
        assert gate.passes("used " + " ".join(f"{c.upper()}." for c in word) + " here"), word


def test_a_special_case_that_makes_a_first_word_is_counted(built):
    nlp, gate = built
    lookup = norm_lookup(nlp)
    for orth, pieces in nlp.tokenizer.rules.items():
        norms = {piece.get(NORM, lookup.get(piece[ORTH], piece[ORTH].lower())) for piece in pieces}
        if norms & gate.modifiers.norms and not orth.isspace():
            assert gate.modifiers.bound(f"x {orth} x", f"x {orth} x".lower(), _runs(f"x {orth} x"), 10**6) > 0, orth


def test_every_relevant_regex_is_run_and_a_match_of_it_passes(built):
    nlp, gate = built
    ruler = nlp.get_pipe("vertcode_regex_ruler")
    relevant = [r for label, _, r, _ in ruler.rules if nlp.vocab.strings[label] in RELEVANT]
    assert [r for r, _ in gate.relevant_rules] == relevant
    for text in ("T12", "L1-L3", "T 11 through L 2", "sacrum", "S1 ala", "the fifth lumbar vertebra", "PVP", "KP"):
        assert gate.passes(f"Treated {text} today."), text


def test_the_counts_bound_what_the_pipeline_finds(built, coder):
    """Entities after the abbreviations and ConText's modifiers, on the corpus and on notes of
    other procedures: the gate's bounds are never below them."""
    from differential_notes import corpus, notes

    nlp, gate = built
    cases = [text for _, text in corpus()] + [text for _, text in notes()[-200:]]
    matcher = coder.nlp.get_pipe("medspacy_context")._ConText__matcher
    names = coder.nlp.pipe_names
    before_context = names[: names.index("medspacy_context")]
    for text in cases:
        with coder.nlp.select_pipes(enable=before_context):
            doc = coder.nlp(text)
        lower = text.lower()
        runs = _runs(text)
        assert gate.modifiers.bound(text, lower, runs, 10**6) >= len(matcher(doc))
        regexes = sum(_positions(r, words, text, lower) for r, words in gate.relevant_rules + gate.other_rules)
        upper = sum(c.isupper() for c in text) if "(" in text else 0
        assert gate.terms.bound(text, lower, runs, 10**6) + regexes + upper >= len(doc.ents)


def test_the_tokenizer_splits_letters_from_letters_only_in_special_cases(built):
    """The step the counts of runs of letters rest on (see vertcode.nlp.gate)."""
    nlp, _ = built
    rng = random.Random(5)
    alphabet = "abcKsſıİ  -/.,:;()'’0123\n\t\xa0²ǅ"
    specials = sorted(orth for orth in nlp.tokenizer.rules if len(orth) > 1)
    for _ in range(3000):
        parts = [
            rng.choice(specials) if rng.random() < 0.1 else rng.choice(alphabet) for _ in range(rng.randrange(1, 30))
        ]
        text = "".join(parts)
        doc = nlp.make_doc(text)
        for token in doc[1:]:
            before = text[token.idx - 1] if token.idx else " "
            if before.isalpha() and token.text[0].isalpha():
                previous = doc[token.i - 1]
                assert previous.idx + len(previous.text) == token.idx
                assert any(orth in text for orth in nlp.tokenizer.rules if any(c.isalpha() for c in orth)), text


def test_lower_case_never_makes_a_letter_of_another_character():
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if not ch.isalpha() and any(c.isalpha() for c in ch.lower()):
            raise AssertionError(f"U+{code:04X}")


def _runs(text):
    from collections import Counter

    return Counter(_RUN.findall(text.lower()))


def _positions(regex, words, text, lower):
    if words and not any(w in lower for w in words):
        return 0
    return sum(1 for _ in re.finditer(f"(?={regex.pattern})", text))
