"""The pipeline on short notes: what is read as treated, how, and the evidence it cites."""

import pytest

from conftest import NOTES, codes


def statuses(result):
    return {f.level: f.status for f in result.findings}


def assert_offsets_hold(result, text):
    """Every evidence span, of codes, findings and flags, is exactly the note's text there."""
    spans = [e for c in result.codes for e in c.evidence]
    spans += [e for f in result.findings for e in f.evidence]
    spans += [e for f in result.flags for e in f.evidence]
    for ev in spans:
        assert text[ev.start : ev.end] == ev.text, ev


SEEDS = {
    "seed-01.txt": {"22510": 1},
    "seed-02.txt": {"22511": 1, "22512": 1},
    "seed-03.txt": {"22513": 1},
    "seed-04.txt": {"22513": 1, "22515": 2},
}


@pytest.mark.parametrize("name, expected", SEEDS.items())
def test_seed_examples(code, name, expected):
    text = (NOTES / name).read_text()
    result = code(text, name)
    assert codes(result) == expected
    assert_offsets_hold(result, text)
    for line in result.codes:
        assert any(e.label == "LEVEL" for e in line.evidence)


def test_seed_04_cites_levels_curette_and_guidance(code):
    text = (NOTES / "seed-04.txt").read_text()
    result = code(text)
    primary, addon = result.codes
    assert (primary.code, primary.units, primary.levels) == ("22513", 1, ["T7"])
    assert (addon.code, addon.units, addon.levels) == ("22515", 2, ["L3", "L4"])
    cited = {(e.label, e.text) for e in primary.evidence}
    assert {("LEVEL", "T7"), ("DEVICE", "curette"), ("DEVICE", "cavity is created")} <= cited
    # The guidance sentence follows "the same procedure at L3 and L4": it is cited on their line.
    assert {("LEVEL", "L3"), ("LEVEL", "L4"), ("REPEAT", "same procedure"), ("GUIDANCE", "CT guidance")} <= {
        (e.label, e.text) for e in addon.evidence
    }
    t7 = text.index("T7")
    assert any(e.start == t7 and e.end == t7 + 2 for e in primary.evidence)
    assert [f.kind for f in result.flags] == ["cross-region-primary"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kyphoplasty with balloon at T12-L1. Cement injected.", {"22513": 1, "22515": 1}),
        ("Kyphoplasty with balloon at T12/L1. Cement injected.", {"22513": 1, "22515": 1}),
        ("Balloon kyphoplasty of L-1 with cement.", {"22514": 1}),
        ("Balloon kyphoplasty of L 1 with cement.", {"22514": 1}),
        ("Kyphoplasty with balloon at T12- L1. Cement injected.", {"22513": 1, "22515": 1}),
        ("Vertebroplasty T 11 - L 1 with cement.", {"22510": 1, "22512": 2}),
        ("Vertebroplasty of T-11 to L1 with cement.", {"22510": 1, "22512": 2}),
        ("Vertebroplasty T11  to  L1 with cement.", {"22510": 1, "22512": 2}),  # padded with spaces
        ("Balloon kyphoplasty T11–L2 with 3cc PMMA each.", {"22513": 1, "22515": 3}),
        ("Vertebroplasty (L2) through an 11-gauge needle, 3cc PMMA.", {"22511": 1}),
        ("vertebroplasty at t12 with cement", {"22510": 1}),
        ("Vertebroplasty L2-4 with cement through 11-gauge needles.", {"22511": 1, "22512": 2}),
        ("Vertebroplasty T11 through L1 with cement.", {"22510": 1, "22512": 2}),
        ("Vertebroplasty T7 to T9 with cement.", {"22510": 1, "22512": 2}),
        ("Vertebroplasty of L2, L3, and L4 with cement.", {"22511": 1, "22512": 2}),
        ("Cement vertebroplasty of the twelfth thoracic vertebra.", {"22510": 1}),
        ("Balloon kyphoplasty of the first lumbar vertebral body, 4 mL cement.", {"22514": 1}),
        ("Six lumbar-type vertebrae. Vertebroplasty of L6 with cement.", {"22511": 1}),
        ("Thirteen rib-bearing vertebrae. Balloon kyphoplasty of T13.", {"22513": 1}),
    ],
)
def test_levels_in_every_written_form(code, text, expected):
    result = code(text)
    assert codes(result) == expected
    assert_offsets_hold(result, text)


@pytest.mark.parametrize(
    "text",
    [
        "Vertebroplasty at T12 with cement. T2-weighted images show an L5 nerve root, an L4-5 disc and "
        "the T3 - 4 facets; a selective L3 block and transforaminal L2 injection are planned.",
        # Not a level: inside another word, or an unspaced slash (the disc's notation).
        "Vertebroplasty at T12 with cement. AT12 and xL1 are codes, and L4/5 is a disc.",
        "Vertebroplasty at T12 with cement; no cement reached the L5-S1  disc or the L4\tforamen.",
    ],
)
def test_sequences_nerves_discs_and_codes_are_not_levels(code, text):
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert [f.level for f in result.findings] == ["T12"]


@pytest.mark.parametrize(
    "text, expected, level, status",
    [
        ("Balloon kyphoplasty at L1 with cement. Prior kyphoplasty at L3 in 2019.", {"22514": 1}, "L3", "historical"),
        # A year alone dates the work, written plainly or in brackets.
        ("Vertebroplasty at T10 with cement. Kyphoplasty at L3 in 2018.", {"22510": 1}, "L3", "historical"),
        ("Vertebroplasty at T10 with cement. Kyphoplasty at L3 (2018).", {"22510": 1}, "L3", "historical"),
        ("Vertebroplasty at T10 with cement at 1430. Kyphoplasty at L3 (2018).", {"22510": 1}, "T10", "treated"),
        (
            "Vertebroplasty at T7 with cement. Kyphoplasty at T9 may be needed if pain persists.",
            {"22510": 1},
            "T9",
            "planned",
        ),
        ("Vertebroplasty at T10 with cement. L2 was not treated.", {"22510": 1}, "L2", "negated"),
        (
            "Unable to access the T8 pedicle; no cement injected. Vertebroplasty at T9 with cement.",
            {"22510": 1},
            "T8",
            "aborted",
        ),
    ],
)
def test_context_keeps_untreated_levels_out(code, text, expected, level, status):
    result = code(text)
    assert codes(result) == expected
    assert statuses(result)[level] == status
    assert_offsets_hold(result, text)


def test_aborted_level_is_flagged_with_its_evidence(code):
    text = "Unable to access the T8 pedicle; no cement injected. Vertebroplasty at T9 with cement."
    flag = next(f for f in code(text).flags if f.kind == "aborted-level")
    assert {"T8", "Unable to access"} <= {e.text for e in flag.evidence}


def test_levels_only_in_indications_or_findings_are_not_treated(code):
    text = (
        "INDICATIONS: Fractures at T10, T12 and L3 on MRI.\n"
        "FINDINGS: L3 edema.\n"
        "PROCEDURE: Balloon kyphoplasty at T12 with 3 cc PMMA.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert statuses(result) == {"T12": "treated", "T10": "mentioned", "L3": "mentioned"}


def test_abbreviation_defined_in_the_note_is_read_as_its_long_form(code):
    text = (
        "Percutaneous vertebral augmentation (PVA) was performed at L1 with a cavity creation device "
        "and cement. PVA was then performed at L2 through bilateral cannulas with an osteotome."
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "22515": 1}
    l2 = next(f for f in result.findings if f.level == "L2")
    assert "PVA" in {e.text for e in l2.evidence if e.label == "TECHNIQUE"}


def test_inflatable_bone_tamp_abbreviation_is_a_device(code):
    text = (
        "An inflatable bone tamp (IBT) was used at L3. Bilateral needles were placed at L4, "
        "the IBT inflated and cement injected."
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "22515": 1}
    assert {f.device for f in result.findings if f.status == "treated"} == {"balloon"}


def test_wrapped_lines_do_not_break_phrases(code):
    text = "Vertebroplasty at L1 and L3 through 11-gauge needles with PMMA. The intervening L2 was not\ntreated."
    result = code(text)
    assert codes(result) == {"22511": 1, "22512": 1}
    assert statuses(result)["L2"] == "negated"


def test_misspelled_procedure_word_is_recognised(code):
    assert codes(code("Kyphopasty at T12 with balloon tamps and cement.")) == {"22513": 1}
    assert codes(code("Vertebroplsty at L4 with cement through a needle.")) == {"22511": 1}


def test_unrelated_words_are_not_procedures(code):
    assert codes(code("Rhinoplasty in 2010. Angioplasty of the left leg at L4 level not relevant.")) == {}


def test_finding_fields_follow_the_contract(code):
    text = "Bilateral transpedicular needles at T7; a balloon was inflated and cement injected."
    finding = code(text).findings[0].to_dict()
    assert finding == {
        "level": "T7",
        "technique": "augmentation",
        "device": "balloon",
        "approach": "transpedicular",
        "laterality": "bilateral",
        "status": "treated",
        "evidence": finding["evidence"],
    }
    assert {e["label"] for e in finding["evidence"]} >= {"LEVEL", "DEVICE", "APPROACH", "LATERALITY"}


def test_crlf_offsets_refer_to_the_text_as_given(code):
    text = "PROCEDURE:\r\nBalloon kyphoplasty at T12.\r\nCement was injected through bilateral cannulas.\r\n"
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert_offsets_hold(result, text)


def test_unchecked_boxes_are_not_read(code):
    text = (
        "Procedure: [X] Vertebroplasty  [ ] Balloon kyphoplasty\n"
        "Levels treated: L2\n"
        "Cavity creation: [ ] balloon  [ ] curette  [X] none\n"
        "Needles placed bilaterally and cement injected.\n"
    )
    assert codes(code(text)) == {"22511": 1}


def test_empty_note_is_flagged_not_an_error(code):
    result = code("   \n")
    assert result.codes == [] and result.errors == []
    assert [f.kind for f in result.flags] == ["empty-note"]


def test_library_logging_stays_quiet(capfd):
    from vertcode.run.coder import Coder

    Coder().code_text("Vertebroplasty at T5 with cement.")
    out, err = capfd.readouterr()
    assert out == "" and "DEBUG" not in err


def test_sections_and_the_section_of_a_token(coder):
    from vertcode.nlp.sections import SectionIndex

    text = "Spine note\nINDICATIONS: T12 fracture.\nProcedure\nVertebroplasty at T12 with cement."
    doc = coder.nlp(text)
    assert [(s.category, doc[s.title_start : s.title_end].text) for s in doc._.sections] == [
        (None, ""),
        ("indications", "INDICATIONS:"),
        ("heading", "Procedure"),
    ]
    first_t12, last_t12 = [t.i for t in doc if t.text == "T12"]
    index = SectionIndex(doc)
    assert index.of(first_t12) is doc._.sections[1]
    assert index.of(last_t12) is doc._.sections[2]
    assert index.of(0) is doc._.sections[0]
    # Each title starts a sentence, and so does the text after it.
    assert [s.text.strip() for s in doc.sents][:3] == ["Spine note", "INDICATIONS:", "T12 fracture."]
