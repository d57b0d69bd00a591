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


#: Dictated spellings: "P. M. M. A." is PMMA.
_SPELLED_LETTER = re.compile(r"[A-Za-z]\.")


@Language.factory("vertcode_dictation", default_config={"words": []})
class DictationJoiner:
    """Joins the pieces speech recognition splits a word into, so the vocabulary matches them.

    Reads tokens; merges, with `doc.retokenize()`, a run of two to four words separated by single
    spaces whose letters spell a word of `words` ("kypho plasty", "verte bro plasty", "osteo
    tome"), or are one edit from one when the run begins with the word's first letters ("cure
    ette"), and a run of spelled letters ("P. M. M. A."). The merged token keeps its text and
    takes the word as its NORM, so the span ruler matches it; a NORM that differs from the text's
    lower case is how the reader knows a match was approximate.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_dictation", *, words: list[str]):
        self.name = name
        self.words = frozenset(w for w in words if len(w) >= 6)
        self.letters = frozenset(w for w in words if 2 <= len(w) <= 6)
        # What a recogniser spells by sound: "kyfo plasty" is kyphoplasty.
        self.heard = {w.replace("ph", "f"): w for w in self.words if "ph" in w}
        spellings = self.words | self.heard.keys()
        self.prefixes = frozenset(w[:n] for w in spellings for n in range(3, len(w)))
        self.by_start: dict[str, list[str]] = {}
        for spelling in sorted(spellings):
            for n in range(3, len(spelling)):
                self.by_start.setdefault(spelling[:n], []).append(spelling)
        self.joined: dict[tuple[str, ...], str | None] = {}

    def __call__(self, doc: Doc) -> Doc:
        # Most words start no run: test each against the set of word beginnings first.
        lowers = [t.lower_ for t in doc]
        merges = []
        i = 0
        while i < len(doc):
            word = lowers[i]
            found = None
            if len(word) == 2 and word[1] == "." and word[0].isalpha():
                found = self.spelled(doc, i)
            elif word in self.prefixes and word not in self.words:
                found = self.split(doc, lowers, i)
            if found:
                merges.append(found)
                i = found[1]
            else:
                i += 1
        if merges:
            with doc.retokenize() as retokenizer:
                for start, end, word in merges:
                    retokenizer.merge(doc[start:end], attrs={"NORM": word})
        return doc

    def split(self, doc: Doc, lowers: list[str], i: int) -> tuple[int, int, str] | None:
        """A run of fragments starting at `i` (a word beginning, not a word) that spells a word."""
        if not doc[i].is_alpha or doc[i].whitespace_ != " ":
            return None
        pieces = [lowers[i]]
        best = None
        for j in range(i + 1, min(i + 4, len(doc))):
            token = doc[j]
            if not token.is_alpha:
                break
            pieces.append(lowers[j])
            word = self.word_of(tuple(pieces))
            if word:
                best = (i, j + 1, word)
            if token.whitespace_ != " ":
                break
        return best

    def word_of(self, pieces: tuple[str, ...]) -> str | None:
        if pieces not in self.joined:
            joined = "".join(pieces)
            word = joined if joined in self.words or joined in self.heard else None
            if word is None and len(joined) >= 7:
                word = next((w for w in self.by_start.get(pieces[0], ()) if levenshtein(joined, w, 1) <= 1), None)
            self.joined[pieces] = self.heard.get(word, word) if word else None
        return self.joined[pieces]

    def spelled(self, doc: Doc, i: int) -> tuple[int, int, str] | None:
        letters = []
        j = i
        while j < len(doc) and _SPELLED_LETTER.fullmatch(doc[j].text):
            letters.append(doc[j].text[0].lower())
            if doc[j].whitespace_ != " ":
                j += 1
                break
            j += 1
        word = "".join(letters)
        return (i, j, word) if len(letters) >= 2 and word in self.letters else None
