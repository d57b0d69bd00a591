"""Reading rules the blind batch b22 led to, each on a note written the way it was."""

from __future__ import annotations

from conftest import kinds

_KYPHOPLASTY = (
    "Procedure: Balloon kyphoplasty L1, bilateral transpedicular.\n"
    "Prone. Bilateral 11G cannulas at L1, balloons inflated to create cavities, 4 mL PMMA into L1. No leak.\n"
)


def test_the_observer_who_had_no_other_duties_is_not_negated_by_its_own_no(code):
    # "no other duties" says who the observer was; its "no" negates nothing.
    text = _KYPHOPLASTY + (
        "SEDATION: Conscious sedation (midazolam/fentanyl) ordered and supervised by the radiologist "
        "performing the procedure and administered by J. Lafleur, RN, who monitored the patient "
        "throughout and had no other duties. Sedation start 13:05, end 13:45 (40 minutes face-to-face).\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1, "99152": 1, "99153": 2}
    assert kinds(result) == []


def test_sedation_by_the_anaesthesia_team_in_british_spelling_is_another_providers(code):
    text = _KYPHOPLASTY + "Under LA + IV sedation by anaesthesia team (Dr. Rajesh N.), pt prone on C-arm table.\n"
    result = code(text)
    assert result.code_units() == {"22514": 1}
    assert kinds(result) == []


def test_a_doctor_on_the_anaesthesia_line_is_the_anaesthetist(code):
    text = (
        "PROCEDURE   Kyphoplasty L2\n"
        "OPERATOR    Dr P. Hale\n"
        "ANAES       Dr C. Tan - sedation (propofol infusion), O2 NP\n"
        "Bilateral 11G cannulas into L2, balloons inflated, cavities created, 3.5 mL PMMA into L2.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1}
    assert kinds(result) == []


def test_dictated_minutes_in_words_time_the_sedation(code):
    text = _KYPHOPLASTY + (
        "sedation moderate sedation was given by me with versed and fentanyl with jenny albright RN as the "
        "independent observer sedation start time nine oh two stop time nine nineteen total seventeen minutes\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1, "99152": 1}
    sedation = next(line for line in result.codes if line.code == "99152")
    assert "17 minutes" in sedation.rationale
    assert any(e.text == "seventeen minutes" for e in sedation.evidence)


def test_an_office_visit_copied_in_is_an_earlier_note(code):
    text = (
        "Document Type: Procedure Note - Spine\n"
        "Service Date/Time: 04/02/2025 13:30\n"
        "*** Copied from Office Visit 03/20/2025 (Al-Rashid, Hassan MD) ***\n"
        "  HPI: 71F, s/p L1 kyphoplasty 2022. Acute T9 compression fx on MRI.\n"
        "  A/P: Plan T9 kyphoplasty.\n"
        "*** End copied text ***\n"
        "Procedure: Balloon kyphoplasty T9, bipedicular.\n"
        "Details: Prone. Bilateral 11G cannulas at T9. Two inflatable bone tamps inflated with cavity creation. "
        "3.6 mL PMMA instilled into T9.\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1}
    assert kinds(result) == ["earlier-note"]
