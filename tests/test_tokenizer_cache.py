"""The tokenizer's chunk warm-up (vertcode.nlp.tokenizer): spaCy's own tokens, in bounded memory."""

from differential_notes import notes
from spacy.lang.en import English

from vertcode.nlp import tokenizer
from vertcode.nlp.tokenizer import ClinicalEnglish


def _tokens(doc):
    return [(t.orth, t.whitespace_) for t in doc]


def test_warmed_tokens_are_spacys_even_past_the_bound(monkeypatch):
    monkeypatch.setattr(tokenizer, "WARM_CHUNKS", 500)
    warmed, stock = ClinicalEnglish(), ClinicalEnglish()
    for _, text in notes()[:1500]:
        assert _tokens(warmed.make_doc(text)) == _tokens(English.make_doc(stock, text))
        assert len(warmed._warm) <= 500
