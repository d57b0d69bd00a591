"""A vertcode pipeline saved and loaded as spaCy does it, and vertcode's components in a user's own
pipeline. Loading in a fresh process, through the installed entry points: tests/test_packaging.py."""

import pytest
import spacy
from spacy.util import load_model_from_config

from vertcode.nlp.errors import PipelineError
from vertcode.nlp.pipeline import build
from vertcode.nlp.tokenizer import ClinicalEnglish, note_text

from conftest import NOTES

TEXTS = [p.read_text(encoding="utf-8") for p in sorted(NOTES.glob("*.txt"))[::29]]


@pytest.fixture(scope="module")
def nlp():
    return build()


def _same_reading(nlp, other):
    for text in TEXTS:
        doc, again = nlp(text), other(text)
        assert [t.text for t in again] == [t.text for t in doc]
        assert note_text(again) == text
        assert again._.extraction == doc._.extraction


def test_a_pipeline_saved_to_disk_loads_and_reads_the_same(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert isinstance(loaded, ClinicalEnglish) and loaded.pipe_names == nlp.pipe_names
    _same_reading(nlp, loaded)


def test_a_pipeline_saved_to_bytes_loads_and_reads_the_same(nlp):
    loaded = load_model_from_config(nlp.config).from_bytes(nlp.to_bytes())
    _same_reading(nlp, loaded)


def test_findings_in_a_pipeline_without_what_they_read_say_what_is_missing():
    text = (NOTES / "seed-01.txt").read_text(encoding="utf-8")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("vertcode_findings")
    with pytest.raises(PipelineError) as raised:
        nlp(text)
    message = str(raised.value)
    for needed in ("'vertcode_sections'", "'vertcode_regex_ruler'", "'span_ruler'", "'vertcode_context'"):
        assert needed in message
    assert "['sentencizer', 'vertcode_findings']" in message
    assert "vertcode.nlp.pipeline.build()" in message
