"""Issue 15: each code line cites its own level's evidence, and cavities made in plain words
count as the device that makes augmentation."""

import pytest

from conftest import codes, kinds


@pytest.mark.parametrize(
    "text, words",
    [
        (
            "Vertebral augmentation, T10. Through the 8-gauge cannula the curved instrument was rotated "
            "and a small cavity is created across the midline. 4 mL of PMMA was injected into the T10 cavity.",
            "cavity is created",
        ),
        (
            "L2 augmentation: working cannula placed, creating a cavity with the curette, then 3 mL cement into L2.",
            "creating a cavity",
        ),
        (
            "T8 vertebral augmentation. The bone tamp was used to create a void, then 3 mL PMMA filled it at T8.",
            "create a void",
        ),
    ],
)
def test_a_cavity_made_in_plain_words_is_augmentation(code, text, words):
    result = code(text)
    assert list(codes(result)) in (["22513"], ["22514"])
    cited = [e for c in result.codes for e in c.evidence if e.label == "DEVICE"]
    assert any(e.text == words and text[e.start : e.end] == words for e in cited)
    assert "technique-conflict" not in kinds(result)


def test_a_cavity_that_was_there_is_not_one_made(code):
    text = (
        "Vertebroplasty L1. The needle was placed into the vacuum cleft cavity through the left pedicle "
        "and 3 mL PMMA was injected at L1."
    )
    assert codes(code(text)) == {"22511": 1}


def test_a_level_a_title_lists_for_biopsy_only_is_a_biopsy_site(code):
    # Issue 15: coded 22510 + 22512 for L1 and no 20225: a biopsy-only level billed as an add-on.
    text = (
        "PROCEDURE: T8 vertebroplasty and T8 bone biopsy, L1 bone biopsy.\n\n"
        "DESCRIPTION: Under fluoroscopy an 11-gauge needle was advanced through the right L1 pedicle into "
        "the lesion and two cores were obtained. The needle was withdrawn.\n"
        "Attention was turned to T8. A needle was placed through the left pedicle, a core was taken, and "
        "3 mL of PMMA was injected into T8.\n"
    )
    result = code(text)
    assert codes(result) == {"22510": 1, "20225": 1}
    (biopsy,) = [c for c in result.codes if c.code == "20225"]
    assert biopsy.levels == ["L1"] and biopsy.modifiers == ["XS"]
    assert "biopsy-other-level" in kinds(result)


def test_a_title_keeps_each_biopsy_with_its_own_level(code):
    text = (
        "PROCEDURE: L2 and L3 balloon kyphoplasty with L2 bone biopsy.\n\n"
        "DESCRIPTION: Bilateral cannulas were advanced into L2. Through the right cannula a bone biopsy "
        "needle was advanced and a core taken. Inflatable bone tamps were inflated, removed, and the "
        "cavities filled with 6 mL of bone cement at L2.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert "biopsy-other-level" not in kinds(result) and "header-body-mismatch" in kinds(result)


def test_a_biopsy_of_levels_listed_together_is_of_each(code):
    text = (
        "Kyphoplasty at T8, and bone biopsy of T12 and L1.\n"
        "Bilateral cannulas into T8, balloons inflated, 4 mL PMMA at T8. Cores were taken from T12 and L1.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1, "20225": 2}  # a unit per level biopsied
    (biopsy,) = [c for c in result.codes if c.code == "20225"]
    assert biopsy.levels == ["T12", "L1"]


def test_a_similar_fashion_repeats_the_level_just_described_not_the_last_device(code):
    # b15e-03: the repeat took T12's balloons to L2 although it followed L1's needle and PMMA.
    text = (
        "Procedures:\n1. T12 kyphoplasty (bipedicular)\n2. L1 vertebroplasty\n3. L2 vertebroplasty\n\n"
        "Steps:\n1. T12: 11G access bilat. Balloons inflated, cavities made. Cement 3 cc each side into T12.\n"
        "2. L1: L unipedicular 11G needle. 3.5 cc PMMA injected.\n"
        "3. L2: In a similar fashion, needle placed via L pedicle and 3 cc PMMA injected.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1, "22511": 1, "22512": 1}
    (l2,) = [f for f in result.findings if f.level == "L2"]
    assert l2.technique == "vertebroplasty" and l2.device is None


def test_a_procedure_heading_that_runs_on_into_the_steps_is_their_description(code):
    # b15e-09: "L4 next: ..." was read as part of the title, so L4 looked never treated.
    text = (
        "Summary: Bipedicular L2 and L4 kyphoplasty.\n\n"
        "Procedure: Prone. Biplanar fluoro. L2 first: bilateral 10G cannulas, drill, balloons inflated, removed, "
        "then 5.5 mL PMMA placed into the L2 cavities. L4 next: same bipedicular technique, balloons to 3 mL "
        "each, removed, 6 mL PMMA into L4.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "22515": 1}
    assert "header-body-mismatch" not in kinds(result)


@pytest.mark.parametrize(
    "line, expected, flags",
    [
        (
            "Sedation: moderate IV (midazolam/fentanyl) by operator; independent RN observer. "
            "Start 13:05, stop 13:37 (32 min).",
            {"22513": 1, "99152": 1, "99153": 1},
            [],
        ),
        ("Sedation: moderate IV by operator; independent RN observer.", {"22513": 1}, ["sedation-time-missing"]),
        ("Sedation: none.", {"22513": 1}, []),
    ],
)
def test_moderate_iv_sedation_is_read_with_the_times_on_its_line(code, line, expected, flags):
    # b15e-07: "moderate IV (midazolam/fentanyl)" under "Sedation:" is moderate sedation, timed on its line.
    result = code(f"Kyphoplasty at T12 with balloons, 4 mL PMMA at T12.\n{line}\n")
    assert codes(result) == expected and kinds(result) == flags


def test_each_line_of_the_mtsamples_mixed_note_cites_its_own_levels(coder):
    # Issue 15: the T7 vertebroplasty cited no cement, the local anaesthetic's "instilled", T8's
    # biopsy and T8's balloon reduction.
    from conftest import NOTES

    path = NOTES / "mtsamples-kyphoplasty-and-vertebroplasty.txt"
    text = path.read_text(encoding="utf-8")
    lines = {c.levels[0]: c for c in coder.code_text(text).codes}
    cited = {level: {(e.label, e.text) for e in line.evidence} for level, line in lines.items()}
    cement = "approximately 1.5 cc of cement was injected in each of the cannulas"
    at = text.index(cement)
    for level in ("T7", "T8", "T9"):
        assert any(e.label == "CEMENT" and at <= e.start < at + len(cement) for e in lines[level].evidence), level
    assert ("INJECTION", "instilled") not in cited["T7"] | cited["T8"] | cited["T9"]
    assert not {label for label, _ in cited["T7"]} & {"BIOPSY", "INCLUDED"}
    assert {("BIOPSY", "biopsy"), ("INCLUDED", "reduce the fracture")} <= cited["T8"]
    for line in lines.values():
        assert all(text[e.start : e.end] == e.text for e in line.evidence)


def test_a_timeline_counts_sedation_from_its_start_to_its_end_not_the_steps_between(code):
    # b15k-16: every step's time was read as the sedation's, and a dose written after its end
    # ended it: 32 minutes (10:32 time-out to 11:04) instead of 10:41 to 11:38.
    from conftest import NOTES

    result = code((NOTES / "b15k-16.txt").read_text(encoding="utf-8"))
    assert codes(result) == {"22513": 1, "22515": 2, "99152": 1, "99153": 3}
    (sedation,) = [c for c in result.codes if c.code == "99152"]
    times = {e.text for e in sedation.evidence}
    assert {"10:41", "11:38"} <= times and "10:32" not in times


def test_a_decision_to_abandon_the_cement_does_not_treat_the_level_again(code):
    # b15k-21: an attestation of "the decision to abandon cement injection at L2" treated L2.
    text = (
        "PROCEDURE: An 11G needle into L1 and 3.5 mL of PMMA injected into L1. A second needle into L2; "
        "a core biopsy of L2 was obtained. Cement injection at L2 was abandoned; no cement was injected at L2.\n\n"
        "ATTESTATION: I was present for the entire procedure, including the decision to abandon cement "
        "injection at L2.\n"
    )
    assert codes(code(text)) == {"22511": 1, "20225": 1}


def test_a_biopsy_only_session_codes_each_level_and_the_operators_sedation(code):
    # b15k-19: "two cores ... were obtained" at L4 was no biopsy, so L4 looked like an abandoned
    # attempt, and a session with no augmentation coded no sedation.
    text = (
        "CT-GUIDED VERTEBRAL BIOPSY\nSedation observer: P. Wright, RN\n\n"
        "Sedation: Moderate sedation administered by the radiologist with an independent trained observer (RN). "
        "Intraservice time 19 minutes (08:02-08:21).\n\n"
        "Procedure: An 11G coaxial bone biopsy system was advanced into the T11 lesion and three cores were "
        "obtained. A second coaxial system was placed into the L4 lesion, from which two cores were obtained. "
        "No cement was injected.\n"
    )
    result = code(text)
    assert codes(result) == {"20225": 2, "99152": 1}
    assert kinds(result) == ["biopsy-other-level"]


def test_a_list_of_one_line_per_level_reads_each_line_as_its_own(code):
    # b15k-29: the three lines were one sentence, so T11's implant made every level augmentation.
    text = (
        "Procedures:\n1. Vertebral augmentation T11 with SpineJack implants.\n2. Vertebroplasty L1 and T12.\n\n"
        "Description: Cannulas into T11, two SpineJack implants expanded. Vertebroplasty needles were then placed "
        "at L1 and T12 without any cavity creation.\n\nCement delivery, in order:\n"
        "  T11 - 4.0 mL PMMA injected through the SpineJack cannulas around the implants\n"
        "  L1  - 3.0 mL PMMA injected through the 13G needle\n"
        "  T12 - 2.5 mL PMMA injected through the 13G needle\n"
    )
    assert codes(code(text)) == {"22513": 1, "22511": 1, "22512": 1}
