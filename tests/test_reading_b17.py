"""Reading rules the blind batch b17 led to, each on a note written the way it was."""

from __future__ import annotations

import pytest

from vertcode.run.coder import Coder


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def test_repeat_procedure_into_the_fractured_vertebra_is_at_the_one_level_treated_before(coder):
    text = (
        "Diagnosis: Nonunion of an osteoporotic L1 compression fracture.\n"
        "Procedure: Repeat percutaneous vertebroplasty.\n"
        "Background: vertebroplasty of L1 six weeks ago; pain recurred.\n"
        "Procedure: Prone. Bilateral 11G needles were passed transpedicularly into the fractured vertebra and "
        "6.5 mL of cement was injected into the fractured vertebra. Needles removed.\n"
    )
    result = coder.code_text(text, "repeat.txt")
    assert result.code_units() == {"22511": 1}
    assert [f.kind for f in result.flags] == ["level-resolved"]
    assert result.claim is not None and [d.code for d in result.claim.diagnoses] == ["M80.08XK"]


def test_a_rule_under_the_opening_line_of_a_copied_note_does_not_end_it(coder):
    text = (
        "PROCEDURE NOTE - 02/10/2026\n\n"
        "*** Prior procedure note copied below for reference ***\n"
        "----------------------------------------------------------------\n"
        "01/06/2026  PROCEDURE: T12 vertebroplasty. Bilateral 11G needles into T12, PMMA 3.0 mL injected.\n"
        "----------------------------------------------------------------\n"
        "*** end of copied note ***\n\n"
        "TODAY'S PROCEDURE:  Balloon kyphoplasty, L2.\n"
        "TECHNIQUE:  Bilateral transpedicular 10G cannulas into L2. Two inflatable bone tamps to 2.5 mL each, "
        "cavity created. PMMA 2.5 mL right and 2.5 mL left into L2.\n"
    )
    result = coder.code_text(text, "copied.txt")
    assert result.code_units() == {"22514": 1}
    assert [f.kind for f in result.flags] == ["earlier-note"]


def test_a_level_written_that_names_no_vertebra_does_not_stop_the_claim(coder):
    text = (
        "Diagnosis: unstable burst fracture of T12 after a fall from a roof.\n"
        "Procedure: Balloon kyphoplasty T12. The T21 pedicle was entered with an 11G cannula; balloon "
        "inflated; cavity created; 4 mL PMMA injected into T12.\n"
    )
    result = coder.code_text(text, "t21.txt")
    assert result.errors == []
    assert result.claim is not None and [d.code for d in result.claim.diagnoses] == ["S22.082A"]


def test_non_osteoporotic_is_not_osteoporosis(coder):
    text = (
        "Diagnosis: traumatic wedge compression fracture of L1 after a fall from a ladder, non-osteoporotic bone.\n"
        "Procedure: an 11-gauge needle was advanced into L1 and 3 mL of PMMA cement was injected.\n"
    )
    claim = coder.code_text(text, "trauma.txt").claim
    assert [d.code for d in claim.diagnoses] == ["S32.010A"] and claim.queries == []


def test_myeloma_not_in_remission_and_a_remission_said_once(coder):
    body = "Procedure: an 11-gauge needle was advanced into L4 and 3 mL of PMMA cement was injected.\n"
    active = coder.code_text(
        "Diagnosis: L4 pathologic fracture; multiple myeloma, newly diagnosed, not in remission.\n" + body, "a.txt"
    )
    assert [d.code for d in active.claim.diagnoses] == ["M84.58XA", "C90.00"]
    remission = coder.code_text(
        "Diagnosis: pathologic fracture through an L4 myeloma lesion.\nHistory: multiple myeloma, in remission.\n"
        + body,
        "r.txt",
    )
    assert [d.code for d in remission.claim.diagnoses] == ["M84.58XA", "C90.01"]


def test_a_level_said_to_have_no_fracture_is_the_neoplasm_alone(coder):
    text = (
        "Diagnosis: osteolytic metastasis of L2 without pathologic fracture.\n"
        "Procedure: an 11-gauge needle was advanced into L2 and 3 mL of PMMA was injected.\n"
        "The skin was compressed for hemostasis.\n"
    )
    assert [d.code for d in coder.code_text(text, "lesion.txt").claim.diagnoses] == ["C79.51"]
