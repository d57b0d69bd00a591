"""The tokenizer: spaCy's blank English adapted to clinical text; each Doc keeps the text it
was made from."""

from spacy.lang.en import English
from spacy.lang.tokenizer_exceptions import emoticons
from spacy.tokens import Doc

#: Where `ClinicalEnglish.make_doc` keeps the text it was given, in `Doc.user_data`.
NOTE_TEXT = "vertcode.note_text"


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


class ClinicalEnglish(English):
    """spaCy's blank English with a tokenizer adapted to clinical text.

    A subclass rather than `spacy.blank("en")` then a new suffix rule: setting the tokenizer's
    rules afterwards rebuilds all its special cases, a tenth of a second at every start.
    """

    Defaults = ClinicalEnglishDefaults

    def make_doc(self, text: str) -> Doc:
        """The tokenized text, which the Doc also keeps for `note_text` (see there)."""
        doc = super().make_doc(text)
        doc.user_data[NOTE_TEXT] = text
        return doc
