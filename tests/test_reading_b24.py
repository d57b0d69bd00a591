"""Reading rules the blind batch b24 led to, each on a note written the way it was."""

from __future__ import annotations

from conftest import kinds


def test_a_dated_imaging_line_inside_the_indication_is_a_finding(code):
    # b24-19: "MRI pelvis 2024-10-15: ... Right sacrum normal." once ended the indication like any
    # field, so its "Right" made a left sacroplasty bilateral (0201T, auto).
    text = (
        "Anesthesia:         MAC - Anesthesiology\n"
        "Procedure:          CT fluoroscopy-guided percutaneous sacroplasty - LEFT\n"
        "Indication:         Left sacral insufficiency fracture, pain 8/10.\n"
        "                    MRI pelvis 2024-10-15: fracture line left sacral ala S1-S2\n"
        "                    with surrounding STIR edema. Right sacrum normal.\n"
        "Technique: 11G bone needle advanced into the left sacral ala. Total cement: 4.0 mL into the left "
        "sacral ala.\n"
        "Right side:         Not treated (no fracture).\n"
    )
    result = code(text)
    assert result.code_units() == {"0200T": 1}
    assert kinds(result) == []


def test_a_lettered_item_of_the_procedure_list_is_its_own(code):
    # b24-22: "a) Balloon kyphoplasty L2 ... b) core biopsy of L4" read as one sentence gave L4 the
    # kyphoplasty: +22515 for a biopsy, auto.
    text = (
        "PROCEDURES\n"
        "  a) Balloon kyphoplasty L2 (bipedicular)\n"
        "  b) CT-fluoroscopy guided core biopsy of L4 vertebral body lesion (separate level)\n"
        "\n"
        "INDICATION\n"
        "An L2 osteoporotic compression fracture, VAS 8/10. Incidental 14 mm lesion in the L4 body, no L4\n"
        "fracture. MDT asked for an L4 biopsy at the same sitting. No cement planned for L4.\n"
        "\n"
        "L2 - BALLOON KYPHOPLASTY\n"
        "Bilateral 11G transpedicular access to L2. Two inflatable bone tamps inflated. Balloons removed; "
        "bone cement (PMMA) delivered into each cavity, L2 total 6.5 mL.\n"
        "\n"
        "L4 - BIOPSY (NO AUGMENTATION)\n"
        "An 11G coaxial bone biopsy needle was advanced via the right L4 pedicle into the lesion; three "
        "cores obtained. No cement injected at L4.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1, "20225": 1}
    assert kinds(result) == ["biopsy-other-level"]


def test_a_timeline_after_the_plan_is_the_procedure(code):
    # b24-17: "Plan: BKP T11 + L2" opened an excluded section that ran through the timeline of the
    # work, so nothing was coded (auto).
    text = (
        "IR PROCEDURE LOG\n"
        "Op: D. Haskell MD   Anes: MAC per CRNA J. Pruitt\n"
        "Plan: BKP T11 + L2, bipedicular.\n"
        "\n"
        "08:02 time-out, prone, MAC started (anesthesia)\n"
        "08:10 T11 L pedicle: 11G trocar. Pedicle very narrow. T11 ABANDONED - no balloon, no cement.\n"
        "08:31 L2 bilat 11G access, good position\n"
        "08:38 L2 IBT x2 (Kyphon 15/3) inflated L 3.0 / R 2.8 mL, 200 psi\n"
        "08:44 L2 cement HV-R 3.2 mL L + 3.0 mL R, no extravasation\n"
        "08:51 cannulas out\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1}
    assert kinds(result) == ["aborted-level"]


def test_the_sedation_of_an_earlier_note_copied_in_is_that_encounters(code):
    # b24-24: today's 12 minutes are 99152 alone; the copied 2023 note's 28 minutes are not today's.
    text = (
        "PROCEDURE NOTE\n"
        "Procedure: Percutaneous vertebroplasty L3.\n"
        "Moderate sedation: by Dr. Farrelly, independent observer T. Walsh RN, intraservice 12 min\n"
        "An 11G needle was advanced into L3 and 3.5 mL PMMA injected into L3.\n"
        "\n"
        "PRIOR OPERATIVE NOTE 11/14/2023 - copied for reference\n"
        "Kyphoplasty T12: balloons inflated, 4 mL PMMA into T12.\n"
        "Moderate sedation by Dr. Farrelly, observer M. Byrne RN, intraservice 28 min.\n"
        "--- end copied text ---\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1, "99152": 1}
    assert kinds(result) == ["earlier-note"]


def test_an_addendum_that_moves_the_level_moves_its_biopsy(code):
    # b24-18: the biopsy was of the level treated, L4, not a separate L3 (no 20225).
    text = (
        "Procedure: Percutaneous vertebroplasty L3 with bone biopsy.\n"
        "Under fluoroscopy an 11G needle was advanced into L3; a bone biopsy core was obtained through the "
        "needle, then 3 mL PMMA was injected into L3.\n"
        "ADDENDUM: the level treated and biopsied was L4, not L3.\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1}
    assert [line.levels for line in result.codes] == [["L4"]]
    assert kinds(result) == ["addendum"]


def test_a_referral_to_an_osteoporosis_clinic_is_no_osteoporosis(code):
    # b24-15: "Fragility fracture Th8 ... Osteopenia" with a referral to the osteoporosis clinic:
    # the cause is for the physician to document, not M80.08XA.
    text = (
        "Diagnosis: Fragility fracture T8 with persistent pain. Osteopenia (DXA T-score -2.2).\n"
        "Procedure: vertebroplasty T8. An 11G needle was advanced into T8 and 3 mL PMMA injected into T8.\n"
        "Post: Referral to osteoporosis clinic.\n"
    )
    result = code(text)
    assert result.claim is not None
    assert [d.code for d in result.claim.diagnoses] == []
    assert [q.kind for q in result.claim.queries] == ["fracture-etiology"]


def test_a_trauma_and_orthopaedics_department_is_no_trauma(code):
    text = (
        "Operating surgeon: Dr H. Ferreira (Specialty Registrar, Trauma & Orthopaedics)\n"
        "Diagnosis: L1 compression fracture.\n"
        "Procedure: vertebroplasty L1. An 11G needle was advanced into L1 and 3 mL PMMA injected into L1.\n"
    )
    result = code(text)
    assert result.claim is not None
    assert [d.code for d in result.claim.diagnoses] == []
    assert [q.kind for q in result.claim.queries] == ["fracture-etiology"]
