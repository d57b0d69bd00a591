"""Ways of writing that the b16 blind batch found read wrongly: yes/no boxes, levels left alone,
headings that join two names, copied text that says where it ends, orders of work written with
arrows, and work abandoned at a level that was biopsied. Each case is written here afresh."""

from conftest import codes, kinds


def test_a_cement_box_answered_no_documents_no_cement(code):
    text = (
        "Procedure:  [X] Bone biopsy   [ ] Vertebroplasty   [ ] Kyphoplasty\n"
        "Level: T11 vertebral body\n"
        "Technique / Findings:\n"
        "Left transpedicular 11G trocar into the T11 body. Two cores obtained and sent to pathology.\n"
        "Cement: [ ] Yes  [X] No\n"
    )
    result = code(text)
    assert codes(result) == {"20225": 1}
    assert kinds(result) == ["biopsy-other-level"]


def test_a_cement_box_answered_yes_documents_the_cement(code):
    text = (
        "Procedure: T11 vertebroplasty.\n"
        "Description: Left transpedicular 11G needle into the T11 body.\n"
        "Cement: [X] Yes  [ ] No   3 mL PMMA\n"
    )
    assert codes(code(text)) == {"22510": 1}


def test_a_ticked_moderate_sedation_box_with_its_intra_service_times_is_coded(code):
    text = (
        "Procedure: L2 vertebroplasty.\n"
        "Sedation:   [X] Moderate (by the operator)   [ ] MAC   [ ] General\n"
        "    Independent trained observer: J. Marsh, RN\n"
        "    Intra-service start: 09:10    stop: 09:31\n"
        "Description: Right transpedicular 11G needle into L2; 3 mL PMMA injected at L2 under fluoroscopy.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1, "99152": 1}
    sedation = next(line for line in result.codes if line.code == "99152")
    assert {e.text for e in sedation.evidence} >= {"[X] Moderate", "09:10", "09:31"}


def test_a_level_said_to_be_uninvolved_intact_or_skipped_is_not_treated(code):
    text = (
        "PROCEDURE: Vertebroplasty T11, T12 and L2. L1 uninvolved.\n"
        "11G needles into T11 and T12, 3 mL PMMA into each; we moved to L2 skipping L1 which was intact, "
        "and injected 2.5 mL PMMA at L2."
    )
    result = code(text)
    assert codes(result) == {"22510": 1, "22512": 2}
    assert [line.levels for line in result.codes] == [["T11"], ["T12", "L2"]]


def test_kyphoplasty_named_over_cement_through_the_needle_without_a_balloon_is_still_a_conflict(code):
    text = (
        "Procedure: L4 kyphoplasty\n"
        "An 11G needle was advanced into L4. Kyphoplasty performed at L4. No balloon was used. "
        "3 cc PMMA was injected directly through the needle."
    )
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "technique-conflict" in kinds(result)


def test_an_anaesthesia_line_naming_the_open_part_does_not_start_it(code):
    text = (
        "Anaesthesia: Local for the vertebroplasty; general for the open procedure.\n"
        "Procedures: 1. Percutaneous vertebroplasty L1. 2. Conversion to open surgery: L1 laminectomy.\n"
        "Description: Bilateral 11G needles into the L1 body. PMMA 3 ml injected when cement was seen "
        "entering the canal; injection stopped. Midline incision, L1 laminectomy and removal of the "
        "epidural cement."
    )
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "open-after-cement" in kinds(result)


def test_copied_text_ends_where_the_note_says_it_ends(code):
    text = (
        "PROCEDURE NOTE\n"
        "--- copied from prior operative note dated 04/02/2022 ---\n"
        "PROCEDURE: Balloon kyphoplasty T10. Balloons inflated; 5 mL PMMA into T10.\n"
        "--- end copied text ---\n"
        "TODAY'S PROCEDURE: L3 balloon kyphoplasty.\n"
        "DESCRIPTION: Bilateral cannulas into L3, balloons inflated, 4 mL PMMA delivered into L3.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert kinds(result) == ["earlier-note"]


def test_an_order_of_work_written_with_arrows_corrects_no_level(code):
    text = (
        "PERCUTANEOUS VERTEBROPLASTY\n"
        "Order of treatment:   T11  ->  T12  ->  L1\n"
        "11G needles at each level; PMMA 3 mL injected into T11, T12 and L1."
    )
    result = code(text)
    assert codes(result) == {"22510": 1, "22512": 2}
    assert "addendum" not in kinds(result)


def test_an_arrow_between_two_levels_in_an_addendum_still_corrects(code):
    text = "PROCEDURE: Vertebroplasty T12. 11G needle, 3 mL PMMA injected at T12.\n\nADDENDUM: level T12 -> L1."
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "addendum" in kinds(result)


def test_work_begun_then_abandoned_at_a_biopsied_level_is_an_aborted_level(code):
    text = (
        "Procedure: Planned T8 and L2 vertebral augmentation; T8 vertebral body biopsy.\n"
        "Description:\nBilateral 11G access cannulas were placed into T8. A core biopsy of T8 was obtained "
        "through the left cannula. CT then showed a posterior wall defect, and the decision was made to "
        "abort augmentation at T8. The cannulas were withdrawn; no cement was placed at T8.\n"
        "L2: bilateral cannulas, balloons inflated to 2 mL each, 4 mL PMMA injected into L2."
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "20225": 1}
    assert {"aborted-level", "biopsy-other-level"} <= set(kinds(result))


def test_a_biopsied_level_where_no_cement_went_is_a_biopsy_site_not_an_attempt(code):
    text = (
        "Procedure: L1 kyphoplasty; T9 bone biopsy.\n"
        "A biopsy needle was passed into T9 and two cores obtained; no cement was injected at T9.\n"
        "L1: bilateral cannulas, balloons inflated, 4 mL PMMA injected into L1."
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "20225": 1}
    assert "aborted-level" not in kinds(result)
