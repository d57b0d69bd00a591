"""The tokenizer: spaCy's blank English adapted to clinical text; each Doc keeps the text it
was made from."""

import re
from typing import Any, cast

from spacy.lang.en import English
from spacy.lang.tokenizer_exceptions import emoticons
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry

#: The language code of `ClinicalEnglish` in a saved pipeline's config.
LANG = "vertcode_en"

#: Where `ClinicalEnglish.make_doc` keeps the text it was given, in `Doc.user_data`.
NOTE_TEXT = "vertcode.note_text"

#: Runs of text without white space longer than this are tokenized in pieces of this length.
#: spaCy's tokenizer searches a run again for each prefix or suffix it strips, so its time grows
#: with the square of a run of punctuation (")" * 40,000: four minutes); the corpus's longest
#: run is 139 characters, and a piece of 256 takes half a millisecond at worst.
LONG_RUN = 256

#: Chunks of text (runs between white space) the tokenizer has seen; past this many, spaCy's cache
#: of their tokens is emptied and they are forgotten, so neither grows without bound.
WARM_CHUNKS = 100_000


def note_text(doc: Doc) -> str:
    """The Doc's text: as given to `ClinicalEnglish.make_doc`, else rebuilt by `Doc.text`.

    spaCy rebuilds `Doc.text` from the tokens on every access (0.1 ms for a 1.6 KB note), and
    several components read it.
    """
    text = doc.user_data.get(NOTE_TEXT)
    return doc.text if text is None else text


class ClinicalEnglishDefaults(English.Defaults):  # type: ignore[misc,valid-type]  # spaCy's idiom
    # Units glued to a number ("3cc", "2.5mL", "11g") are split so the number and unit stand alone.
    suffixes = [*(English.Defaults.suffixes or ()), r"(?<=[0-9])(?:cc|ml|mL|ML|CC|g|G|ga)$"]
    # A bracket opened inside a word is a token of its own: "Level(s):" is a word, a plural mark
    # and a colon, as a "Label:" field needs; "cement(PMMA)" is two words.
    infixes = [*(English.Defaults.infixes or ()), r"(?<=[A-Za-z])\((?=[A-Za-z])"]
    # Operative notes hold no emoticons, but "Level(s):" ends in "):" and a list in "8)".
    tokenizer_exceptions = {
        orth: tokens for orth, tokens in English.Defaults.tokenizer_exceptions.items() if orth not in emoticons
    }


@registry.languages(LANG)
class ClinicalEnglish(English):
    """spaCy's blank English with a tokenizer adapted to clinical text.

    A subclass rather than `spacy.blank("en")` then a new suffix rule: setting the tokenizer's
    rules afterwards rebuilds all its special cases, a tenth of a second at every start.

    A language of its own (spaCy's idiom for a custom language, registered by the
    `spacy_languages` entry point too), so that `spacy.load()` of a saved vertcode pipeline
    makes this class, and its Docs keep their text and are tokenized in pieces, rather than
    spaCy's English with the same tokenizer rules.
    """

    lang = LANG
    Defaults = ClinicalEnglishDefaults

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._warm: set[str] = set()

    def make_doc(self, text: str) -> Doc:
        """The tokenized text, which the Doc also keeps for `note_text` (see there).

        spaCy 3.7's tokenizer caches a chunk's tokens only until a text's first special case, and
        "\n" is one: in a note, nearly every chunk was split afresh each time. A chunk tokenized
        alone is cached like any text without special cases, and the same chunk in a note then
        comes from the cache: the same tokens (a chunk's tokens do not depend on what is around
        it), six times faster on the bench's notes.
        """
        tokenize = super().make_doc
        chunks = text.split()
        if max(map(len, chunks), default=0) <= LONG_RUN:
            self._warm_up(chunks)
            doc = tokenize(text)
        else:
            doc = Doc.from_docs([tokenize(piece) for piece in _pieces(text)], ensure_whitespace=False)
        doc.user_data[NOTE_TEXT] = text
        return doc

    def _warm_up(self, chunks: list[str]) -> None:
        warm = self._warm
        new = [chunk for chunk in chunks if chunk not in warm]
        if not new:
            return
        tokenizer = cast(Tokenizer, self.tokenizer)
        if len(warm) + len(new) > WARM_CHUNKS:
            tokenizer._flush_cache()
            warm.clear()
        for chunk in new:
            if chunk not in warm:
                warm.add(chunk)
                tokenizer(chunk)


def _pieces(text: str) -> list[str]:
    """The text cut inside each run longer than `LONG_RUN`, every `LONG_RUN` characters: the
    pieces, tokenized one by one, give tokens whose texts and spaces join back into the text."""
    cuts = [0]
    for run in re.finditer(r"\S+", text):
        cuts.extend(range(run.start() + LONG_RUN, run.end(), LONG_RUN))
    cuts.append(len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
