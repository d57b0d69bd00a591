"""Reading rules the blind batch b23 led to, each on a note written the way it was."""

from __future__ import annotations

from conftest import kinds


def diagnoses(result) -> list[str]:
    assert result.claim is not None, result.codes
    return [d.code for d in result.claim.diagnoses]


_VERTEBROPLASTY = "Procedure: vertebroplasty L2. An 11G needle was advanced into L2 and 3 mL PMMA injected into L2.\n"


def test_a_clinic_letter_that_books_a_kyphoplasty_documents_no_procedure(code):
    # b23-20, the silent error: a letter with no SOAP headings read as a procedure note.
    text = (
        "12 August 2024\n\n"
        "Dear Fiona,\n\n"
        "Re: Mrs Beverley THORNTON, DOB 09/04/1944\n\n"
        "Thank you for referring Beverley, whom I saw in rooms today with her husband. She has osteoporosis "
        "and sudden low back pain, 8/10.\n"
        "Her MRI shows an acute L2 osteoporotic compression fracture with marrow oedema. There is cement in "
        "T12 from a vertebroplasty she had in 2018.\n"
        "We discussed continuing conservative care versus balloon kyphoplasty of L2, including the risks of "
        "cement leakage. I have booked her for L2 kyphoplasty on 22 August. No procedure was performed today.\n\n"
        "Kind regards,\n"
    )
    result = code(text)
    assert result.code_units() == {}
    assert kinds(result) == ["no-procedure-today"]


def test_work_written_at_a_level_of_another_time_goes_on_about_no_level_before_it(code):
    # b23-20: "There is cement in T12 from a vertebroplasty she had in 2018" after the sentence naming
    # the acute L2 fracture: the cement and the vertebroplasty are T12's, years ago; L2 got neither.
    fractured = "Surgeon: Dr M. Odegaard\nShe has an acute L2 compression fracture. "
    result = code(fractured + "There is cement from a prior vertebroplasty at T12.\n")
    assert result.code_units() == {}
    staged = code(
        "Surgeon: Dr M. Odegaard\n"
        "Staging plan: L2 today; T12 will be done next week as stage 2, to limit the cement volume.\n"
        "Balloon kyphoplasty at L2: bilateral cannulas, balloons inflated, 5 mL PMMA injected into L2.\n"
    )
    assert staged.code_units() == {"22514": 1}
    # The plan's cement is T12's, next week: L2 cites its own.
    assert [e.text for e in staged.codes[0].evidence if e.label == "CEMENT"] == ["PMMA"]


def test_an_abbreviated_sed_start_and_end_time_the_sedation(code):
    text = _VERTEBROPLASTY + (
        "sedation: mod sedation by me, rn observer independent, versed 2 / fentanyl 75.\n"
        "    sed start 09:12  end 09:46  (34 min)\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1, "99152": 1, "99153": 1}
    assert kinds(result) == []


def test_independent_monitoring_by_a_nurse_is_the_observer(code):
    text = _VERTEBROPLASTY + (
        "Sedation: moderate sedation administered by Dr. Davidson; independent monitoring by RN C. Mahabir.\n"
        "Intra-service time 48 minutes (10:14-11:02).\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1, "99152": 1, "99153": 2}


def test_an_observer_field_names_the_observer_unless_it_says_none(code):
    sedation = "Sedation: moderate sedation by the operator, intra-service time 30 min.\n"
    named = code(_VERTEBROPLASTY + sedation + "Observer: RN A. Cho\n")
    assert named.code_units() == {"22511": 1, "99152": 1, "99153": 1}
    unnamed = code(_VERTEBROPLASTY + sedation + "Observer: none\n")
    assert unnamed.code_units() == {"22511": 1}
    assert kinds(unnamed) == ["sedation-time-missing"]


def test_mac_beside_the_proceduralists_timed_observed_sedation_is_a_conflict(code):
    text = _VERTEBROPLASTY + (
        "ANESTHESIA / SEDATION\n"
        " [x] MAC by anesthesia - CRNA L. Whitfield, supervising anesthesiologist Dr. O. Benn\n"
        " [x] Moderate sedation by proceduralist - observer: RN A. Cho\n"
        "     Start 07:48  Stop 08:19   Intra-service 31 min\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1}
    assert kinds(result) == ["sedation-provider-conflict"]


def test_a_volume_after_a_level_is_no_range_of_levels(code):
    text = "Procedure: kyphoplasty.\nBalloon cavities were made at L4, L4 - 7 ml of bone cement in total, no leak.\n"
    result = code(text)
    assert result.code_units() == {"22514": 1}
    assert kinds(result) == []


def test_dictated_osteo_porosis_is_osteoporosis(code):
    text = (
        "pre and post op diagnosis post menopausal osteo porosis with acute compression fracture L two after "
        "a fall from standing.\n" + _VERTEBROPLASTY
    )
    assert diagnoses(code(text)) == ["M80.08XA"]


def test_an_osteoporosis_work_up_not_yet_done_is_no_osteoporosis(code):
    text = (
        "Diagnosis: Sacral insufficiency fracture, right alar area.\n"
        "Procedure: Sacroplasty, right. An 11G needle was advanced into the right sacral ala and 4 mL PMMA "
        "was injected into the right sacral ala.\n"
        "Note: osteoporosis work-up (DXA) not done yet, to be arranged at outpatient.\n"
    )
    result = code(text)
    assert result.code_units() == {"0200T": 1}
    assert diagnoses(result) == ["M84.454A"]


def test_a_level_booked_for_later_is_a_plan(code):
    text = _VERTEBROPLASTY + "The L4 fracture is also painful; I have booked her for L4 kyphoplasty on 22 August.\n"
    result = code(text)
    assert result.code_units() == {"22511": 1}
    assert [line.levels for line in result.codes] == [["L2"]]
    assert kinds(result) == []  # a plan, not a level a title named and the description left out
