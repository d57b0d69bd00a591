"""The safety net of speed work: the corpus, 5,000 perturbations of it and 600 notes of other
procedures give exactly the results recorded from the pipeline before the speed changes
(tests/fixtures/differential.jsonl.gz, recorded at e0b13bc and again with the reading fixes of b15-check).

A speed change must pass this as it is. A change meant to alter results regenerates the fixture
with tests/fixtures/record_differential.py and lists the differences in its message.
"""

import gzip
import json

from differential_notes import FIXTURE, corpus, notes, result_line


def test_results_are_those_recorded(coder):
    recorded = gzip.decompress(FIXTURE.read_bytes()).decode("utf-8").splitlines()
    cases = notes()
    assert len(recorded) == len(cases), "the notes changed: regenerate the fixture deliberately"
    differing = []
    for (name, text), expected in zip(cases, recorded, strict=True):
        if result_line(coder.code_text(text, name)) != expected:
            differing.append(name)
    assert not differing, f"{len(differing)} notes coded differently, first: {differing[:5]}"


def test_the_perturbations_reach_what_they_stress():
    first = len(corpus())
    texts = [text for _, text in notes()[first : first + 5000]]
    for stressed in ("İ", "ı", "ſ", "\u212a", "\xa0", "\r\n", " ("):
        assert sum(stressed in t for t in texts) > 100, stressed
    assert sum(bool(json.loads(line)["codes"]) for line in gzip.decompress(FIXTURE.read_bytes()).splitlines()) > 2000
