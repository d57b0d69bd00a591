"""Reading rules the blind batch b26 led to, each on a note written the way it was."""

from __future__ import annotations

from conftest import kinds


def dx(result) -> tuple[list[str], list[str]]:
    assert result.claim is not None
    return [d.code for d in result.claim.diagnoses], [q.kind for q in result.claim.queries]


def test_an_epidural_in_the_same_session_treats_no_vertebra(code):
    # b26-17: "L4-5 ESI: 18G Tuohy needle ... triamcinolone injected" after a kyphoplasty of L1
    # added L4 and L5 as augmented levels: +22515 x2.
    text = (
        "PROCEDURES:\n"
        "1. Balloon kyphoplasty L1\n"
        "2. L4-L5 interlaminar epidural steroid injection\n"
        "\n"
        "DESCRIPTION:\n"
        "L1: Bilateral 10-gauge cannulas. Inflatable bone tamps inflated with cavity creation; balloons "
        "removed. L1 was filled with 5 mL PMMA. No leak.\n"
        "L4-5 ESI: 18G Tuohy needle, loss of resistance to saline at L4-5 left paramedian, epidurogram "
        "confirming epidural spread, then 80 mg triamcinolone in 4 mL saline injected.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1}


def test_a_medial_branch_ablation_beside_a_cemented_level_codes_nothing(code):
    # b26-22: RF cannulas at L4, L5 and the sacral ala, and "Cemented L1 noted on today's scout
    # image" from a 2021 kyphoplasty: 22511, +22512, 0201T.
    text = (
        "Procedure: Bilateral L4-L5 and L5-S1 radiofrequency ablation\n"
        "\n"
        "Diagnosis: Lumbar facet-mediated pain. Status post L1 balloon kyphoplasty (2021).\n"
        "\n"
        "Hx: Axial low back pain > 1 yr. Pain NRS 6/10. Cemented L1 noted on today's scout image, stable.\n"
        "\n"
        "Technique: Prone. Under fluoroscopy, 18G 10 cm RF cannulas with 10 mm active tips were placed "
        "along the junction of the SAP and transverse process at L4 and L5 bilaterally and over the sacral "
        "ala. Lesioning at 80 C for 90 seconds at each site. Cannulas removed.\n"
    )
    result = code(text)
    assert result.code_units() == {}
    assert kinds(result) == []


def test_t1_low_is_a_magnetic_resonance_signal_not_a_vertebra(code):
    # b26-11: "MRI 04/10 STIR high signal all 3, T1 low" added T1 as a fourth vertebroplasty level.
    text = (
        "dx        osteoporotic VCF x2 (L1, T12) - MRI 04/10 STIR high signal both, T1 low\n"
        "proc      PVP, unilateral transpedicular, 13G\n"
        " #1 L1   R pedicle, PMMA 3.2 ml, no leak\n"
        " #2 T12  L pedicle, PMMA 2.6 ml, no leak\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1, "22512": 1}


def test_an_anaesthetist_field_is_another_providers_sedation(code):
    # b26-07: "Anaesthetist:   Dr C. Pryce - sedation (propofol TCI)" lost its label to the field,
    # so the sedation looked like the operator's without time or observer: sedation-time-missing.
    text = (
        "Operator:       Dr R. Bhattacharya, Consultant Radiologist\n"
        "Anaesthetist:   Dr C. Pryce - sedation (propofol TCI) and monitoring\n"
        "\n"
        "Procedure: vertebroplasty T8. An 11G needle into T8, 3 mL PMMA injected into T8.\n"
    )
    result = code(text)
    assert result.code_units() == {"22510": 1}
    assert kinds(result) == []


def test_sides_written_r_and_l_with_a_bracket(code):
    # b26-15: "placed into R) ala ... L) side not treated" named no side: sacroplasty-laterality-missing.
    text = (
        "Procedure: CT-guided sacroplasty.\n"
        "11G needle, posterior short-axis approach, placed into R) ala under CT fluoro. 4 mL PMMA injected "
        "into the R) sacral ala, nice fill along the fracture.\n"
        "Impression: Uncomplicated R) sacroplasty. L) side not treated - no fracture.\n"
    )
    result = code(text)
    assert result.code_units() == {"0200T": 1}
    assert kinds(result) == []


def test_an_unticked_box_further_along_the_line_denies_what_follows_it(code):
    # b26-16: "[x] Osteoporotic compression fracture   [ ] Traumatic fracture" read as both.
    text = (
        "Indication:\n"
        " [x] Osteoporotic compression fracture        [ ] Traumatic fracture\n"
        "Procedure: balloon kyphoplasty T7: inflatable bone tamps inflated, cavity created, PMMA 3 mL into T7.\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1}
    assert dx(result) == (["M80.08XA"], [])


def test_a_fall_down_a_flight_of_stairs_is_high_energy(code):
    # b26-20: "fell down a flight of 8 stairs" with osteoporosis gave M80.08XA, not the query (D5).
    text = (
        "Indications: 74-year-old female with known osteoporosis (T-score -3.0) who fell down a flight of "
        "8 stairs. Acute L3 compression fracture.\n"
        "Procedure: a curette and then balloons created a cavity in L3; 5 mL PMMA was injected into L3.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1}
    assert dx(result) == ([], ["trauma-or-osteoporosis"])


def test_hash_is_the_fracture_of_an_insufficiency_fracture(code):
    # b26-15: "R) sacral alar insufficiency #" with no osteoporosis named: a query, not M84.454A.
    text = (
        "Procedure: CT-guided sacroplasty, right.\n"
        "Indication: MRI pelvis 01/02/24: R) sacral alar insufficiency #, oedema +++, post-radiation change.\n"
        "Technique: 11G needle into the right sacral ala; 4 mL PMMA injected into the right sacral ala.\n"
    )
    result = code(text)
    assert result.code_units() == {"0200T": 1}
    assert dx(result) == (["M84.454A"], [])
