"""The annotated corpus: every gold note matched exactly, and every evidence span valid."""

import json

import pytest

from vertcode.read.text import decode
from vertcode.run.evaluate import load_gold, score, sources

from conftest import CORPUS, NOTES, ROOT

GOLD = load_gold(CORPUS)


@pytest.fixture(scope="module")
def results(coder):
    return list(coder.code_sources(sources(CORPUS, GOLD)))


def test_corpus_is_large_and_varied():
    assert len(GOLD) >= 60
    names = {g.note for g in GOLD}
    assert {f"seed-0{i}.txt" for i in range(1, 5)} <= names
    assert sum(1 for g in GOLD if not g.codes) >= 8, "negative controls that must get no code"
    assert sorted(p.name for p in NOTES.glob("*.txt")) == sorted(names), "every note has a gold line"


#: Notes of blind batches vertcode still codes wrongly, each marked for review, with why: a rule
#: for each was written and taken back, since it cost more codes on the differential notes than
#: it saved (commit ec8fa2a). Fixing one fails this test until it leaves the list.
KNOWN_MISSES = {
    "b18-13.txt": "title lists L1-L4; steps naming no level go on about L1, which the description never treats",
    "b18-40.txt": "'T12 also accessed via an 11G needle' borrows the vertebroplasty of L2: +22512",
}


def test_every_gold_note_is_matched_but_the_known_misses_marked_for_review(results):
    report = score(GOLD, results)
    by_note = {gold.note: result for gold, result in zip(GOLD, results, strict=True)}
    assert sorted(d.note for d in report.differences) == sorted(KNOWN_MISSES)
    assert all(by_note[note].disposition == "review" for note in KNOWN_MISSES)
    assert report.silent_errors == 0
    assert report.exact == len(GOLD) - len(KNOWN_MISSES)


_AUGMENTATION = {"22510", "22511", "22512", "22513", "22514", "22515", "0200T", "0201T", "22899"}


def test_every_coded_note_has_diagnoses_or_a_query_and_a_checklist(results):
    for result in results:
        if not result.codes:
            assert result.claim is None, result.note
            continue
        claim = result.claim
        assert claim is not None, result.note
        if not set(result.code_units()) & (_AUGMENTATION | {"20225"}):
            # Sedation alone (an attempt stopped before any work, b18-24): no level was treated,
            # so none gives a diagnosis; the coder adds the reason for the encounter.
            assert claim.diagnoses == [] and claim.queries == [], result.note
            continue
        assert claim.diagnoses or claim.queries, result.note
        if set(result.code_units()) & _AUGMENTATION:
            assert len(claim.checklist) == 13, result.note


def test_the_diagnoses_of_the_blind_annotations_stay_matched(results):
    """The corpus's gold diagnoses were written by annotators who saw no code; the notes vertcode
    does not match today (corpus/batches/dx-corpus) are the known misses: none may be added, and
    no wrong answer may lose its query."""
    report = score(GOLD, results)
    assert all(g.diagnoses is not None for g in GOLD if g.codes), "every coded note has gold diagnoses"
    assert report.dx_notes == sum(1 for g in GOLD if g.diagnoses is not None)
    assert report.dx_exact >= 588, report.dx_differences
    assert report.dx_silent <= 2, [d for d in report.dx_differences if "SILENT" in d]


def test_every_annotated_flag_is_raised_and_no_other(results):
    for gold, result in zip(GOLD, results, strict=True):
        if gold.flags is not None and gold.note not in KNOWN_MISSES:
            assert {f.kind for f in result.flags} == gold.flags, gold.note


def test_evidence_offsets_are_exact_in_every_note(results):
    crlf_seen = []
    for gold, result in zip(GOLD, results, strict=True):
        # Bytes, not read_text(): universal newlines would turn the CRLF notes' offsets.
        text = decode((NOTES / gold.note).read_bytes(), gold.note)
        if b"\r\n" in (NOTES / gold.note).read_bytes():
            crlf_seen.append(gold.note)
        for line in result.codes:
            assert line.evidence, (gold.note, line.code)
            for ev in line.evidence:
                assert text[ev.start : ev.end] == ev.text, (gold.note, ev)
        json.dumps(result.to_dict())
    assert crlf_seen, "the corpus keeps notes with Windows line ends"


# The public sample notes under shared/realworld, coded by the rules (also bundled in corpus/).
REAL_WORLD = {
    "mtsamples-kyphoplasty-and-vertebroplasty.txt": {"22513": 1, "22510": 1, "22512": 1},
    "mtsamples-kyphoplasty-t12-l1.txt": {"22513": 1, "22515": 1},
    "mtsamples-vertebroplasty.txt": {"22510": 1},
    "mtsamples-kyphoplasty-consult.txt": {},
    "mtsamples-lumbar-reexploration-prior-vertebroplasty.txt": {},
    "mtsamples-psych-consult-history-of-vertebroplasty.txt": {},
}


@pytest.mark.parametrize("name, expected", REAL_WORLD.items())
def test_real_world_notes(code, name, expected):
    result = code((NOTES / name).read_text(), name)
    assert result.code_units() == expected


def test_real_world_mixed_note_levels(code):
    result = code((NOTES / "mtsamples-kyphoplasty-and-vertebroplasty.txt").read_text())
    by_code = {line.code: line.levels for line in result.codes}
    assert by_code == {"22513": ["T8"], "22510": ["T7"], "22512": ["T9"]}
    assert sorted(f.kind for f in result.flags) == ["mixed-techniques", "sedation-time-missing"]


SHARED = ROOT.parent / "shared" / "realworld" / "mtsamples"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/ is beside the checkout in the workplace and CI")
def test_bundled_real_world_notes_are_the_shared_ones():
    for name in REAL_WORLD:
        original = SHARED / name.removeprefix("mtsamples-").replace("-", "_")
        assert (NOTES / name).read_bytes() == original.read_bytes(), name


def test_every_rule_the_corpus_output_cites_is_in_the_shipped_rules(results):
    from vertcode import rules

    texts = [line.rationale for result in results for line in result.codes]
    texts += [flag.message for result in results for flag in result.flags]
    cited = {n for text in texts for n in rules.cited(text)}
    assert {10, 11} <= cited, "the rationales cite the rules they apply"
    assert cited <= set(rules.numbered()), sorted(cited - set(rules.numbered()))
