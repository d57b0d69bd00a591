"""The NORM every phrase is matched on: line breaks, years and transcription slips."""

import re

from spacy.language import Language
from spacy.matcher.levenshtein import levenshtein
from spacy.tokens import Doc

#: The NORM of every white-space token, so phrases match across hard line breaks.
LINE_BREAK = "¶"
#: The NORM of a year (1900-2099), so that one phrase, "in yyyy", names them all.
YEAR = "yyyy"
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")


@Language.factory("vertcode_norms", default_config={"vocabulary": [], "known": []})
class Normaliser:
    """Sets the NORM that phrase matching reads, once per word of the vocabulary.

    Reads tokens; writes lexeme NORMs in the shared vocab: every white-space token's NORM is
    "¶", a year's is "yyyy" (the history trigger "(yyyy)" in patterns/context.json), and a
    word within one edit (six to eight letters) or two edits (nine or more) of a word in
    `vocabulary` takes that word as its NORM, so "kyphopasty" and "baloon" match. Words in
    `known` (every word of every pattern) are never corrected.

    Phrases on NORM cost spaCy's PhraseMatcher next to nothing; a token pattern testing each
    token with a regular expression cost ConText a third of its time.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_norms", *, vocabulary: list[str], known: list[str]):
        self.name = name
        self.vocabulary = sorted(set(vocabulary))
        self.known = frozenset(known) | frozenset(self.vocabulary)
        self.seen: set[int] = set()

    def __call__(self, doc: Doc) -> Doc:
        vocab = doc.vocab
        for token in doc:
            if token.orth in self.seen:
                continue
            self.seen.add(token.orth)
            if token.is_space:
                vocab[token.orth].norm_ = LINE_BREAK
            elif _YEAR.fullmatch(token.text):
                vocab[token.orth].norm_ = YEAR
            else:
                correct = self.correction(token.lower_)
                if correct:
                    vocab[token.orth].norm_ = correct
        return doc

    def correction(self, word: str) -> str | None:
        if len(word) < 6 or not word.isalpha() or word in self.known:
            return None
        for target in self.vocabulary:
            edits = 2 if len(target) >= 9 else 1
            if abs(len(target) - len(word)) <= edits and levenshtein(word, target, edits) <= edits:
                return target
        return None
