"""Notes written the ways real ones are: each reading rule of issue 13 by the codes, flags and
disposition a coder would see, and the spans that decide them."""

import pytest

from conftest import codes, kinds


def cited(result, kind):
    return {e.text for f in result.flags if f.kind == kind for e in f.evidence}


# -- encounter scope ------------------------------------------------------------------------


def test_a_follow_up_visit_names_old_levels_and_codes_nothing(code):
    text = (
        "SPINE CLINIC PROGRESS NOTE\nS: Seen 3 years after balloon kyphoplasty.\n"
        "O: Films today: cement in T12 and L1, unchanged.\n"
        "A/P: Balloon kyphoplasty T12, L1 - stable. RTC 1 year.\n"
    )
    result = code(text)
    assert codes(result) == {}
    assert kinds(result) == ["no-procedure-today"]
    assert result.disposition == "review"
    evidence = result.flags[0].evidence
    assert {"T12", "L1", "balloon kyphoplasty"} <= {e.text for e in evidence}
    assert "PROGRESS NOTE" in {e.text for e in evidence if e.label == "VISIT_NOTE"}


def test_an_imaging_report_of_cement_is_not_a_procedure(code):
    text = (
        "EXAM: CT LUMBAR SPINE\nCOMPARISON: 2022.\nFINDINGS: Vertebroplasty cement at L2 and L3 with no leak.\n"
        "IMPRESSION: Post vertebroplasty changes L2-L3.\n"
    )
    result = code(text)
    assert codes(result) == {}
    assert result.findings and all(f.status != "treated" for f in result.findings)


def test_an_earlier_note_pasted_below_todays_procedure_is_not_coded(code):
    text = (
        "OPERATIVE NOTE\nSurgeon: A. Ruiz\nProcedure: Balloon kyphoplasty L3.\n"
        "Description: Bilateral trocars into L3, balloons inflated, 5 mL PMMA into the cavity.\n\n"
        "PRIOR PROCEDURE NOTE 03/02/2020 - pasted for reference\n"
        "Vertebroplasty T9 and T10 with 3 mL PMMA each through 13G needles.\n"
        "----------\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert kinds(result) == ["earlier-note"]
    assert cited(result, "earlier-note") == {"PRIOR PROCEDURE NOTE 03/02/2020 - pasted for reference"}


def test_a_procedure_note_whose_work_names_no_level_says_so(code):
    text = "PROCEDURE NOTE\nSurgeon: B. Chan\nProcedure: Kyphoplasty.\nPrepped and draped. Cement injected.\n"
    result = code(text)
    assert codes(result) == {}
    assert kinds(result) == ["no-level"]
    assert cited(result, "no-level") == {"Kyphoplasty", "Cement"}


def test_a_procedure_note_that_plans_the_work_and_codes_nothing_says_so(code):
    text = (
        "PROCEDURE NOTE\nSurgeon: B. Chan\nPlanned procedure: Balloon kyphoplasty L2.\nThe patient was "
        "positioned prone. Local anesthetic given. The patient became unwell and was returned to the ward.\n"
    )
    result = code(text)
    assert codes(result) == {}
    assert kinds(result) == ["procedure-not-coded"]
    assert cited(result, "procedure-not-coded") == {"Balloon kyphoplasty"}


# -- addenda --------------------------------------------------------------------------------


def test_an_addendum_correcting_the_level_moves_the_treatment(code):
    text = (
        "PROCEDURE: Vertebroplasty T11.\nSurgeon: C. Diaz\n"
        "TECHNIQUE: A 13G needle was advanced into T11 and 3 mL PMMA injected.\n\n"
        "ADDENDUM 5/2: the level treated was L2, not T11.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "addendum" in kinds(result)
    assert "L2, not T11" in cited(result, "addendum")
    assert {f.level: f.status for f in result.findings}["T11"] == "negated"


def test_an_addendum_withdrawing_a_level_takes_it_off_the_claim(code):
    text = (
        "PROCEDURE: Vertebroplasty T8 and T9.\nOperator: D. Kim\n"
        "TECHNIQUE: T8: 13G needle, 3 mL PMMA injected. T9: 13G needle, 2 mL PMMA injected.\n\n"
        "ADDENDUM: The T9 entry above was an error. I elected not to inject any cement at T9.\n"
    )
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert result.disposition == "review"


def test_an_addendum_renaming_the_technique_recodes_the_level(code):
    text = (
        "Title: Balloon kyphoplasty L3\nSurgeon: E. Fox\n"
        "Procedure: Access to L3 through both pedicles; balloons inflated; 4 mL cement delivered.\n\n"
        "ADDENDUM: This should be recorded as an L3 percutaneous vertebroplasty, not a kyphoplasty; "
        "the balloons were never inflated.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "addendum" in kinds(result)


# -- level notations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kyphoplasty Th9: bilateral trocars into Th9, balloons inflated, 4 ml PMMA.", {"22513": 1}),
        ("Vertebroplasty D12: a 13G needle into D12 and 3 mL PMMA injected.", {"22510": 1}),
        ("Vertebroplasty tee ten. A needle was advanced into tee ten and 2 cc of cement injected.", {"22510": 1}),
        ("Vertebroplasty L. 4. A 13 gauge needle into L. 4. and 3 cc PMMA injected.", {"22511": 1}),
    ],
)
def test_procedures_at_dictated_levels_are_coded(code, text, expected):
    assert codes(code(text)) == expected


def test_a_level_that_names_no_vertebra_is_flagged_never_dropped(code):
    result = code("Vertebroplasty at T14: a needle was advanced and 3 mL PMMA injected.")
    assert codes(result) == {}
    assert "level-unreadable" in kinds(result)
    assert cited(result, "level-unreadable") == {"T14"}


def test_the_fractured_level_is_the_one_level_named_as_fractured(code):
    text = (
        "Diagnosis: acute L4 compression fracture. Old healed T8 fracture.\n"
        "Procedure: Through each pedicle of the fractured level a trocar was advanced, balloons inflated and "
        "5 mL PMMA delivered.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert "level-resolved" in kinds(result)
    assert "the fractured level" in cited(result, "level-resolved")


# -- dictation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected, word",
    [
        ("Kypho plasty T7: trocars into T7 and cement injected.", {"22513": 1}, "Kypho plasty"),
        ("Verte bro plasty L2: needle into L2 and 3 mL PMMA injected.", {"22511": 1}, "Verte bro plasty"),
        ("Keyhole plasty at L3: trocars placed and 4 mL cement injected.", {"22514": 1}, "Keyhole plasty"),
    ],
)
def test_split_and_misheard_technique_words_are_read_and_marked(code, text, expected, word):
    result = code(text)
    assert codes(result) == expected
    assert "approximate-term" in kinds(result)
    assert word in cited(result, "approximate-term")
    assert result.disposition == "review"


def test_spelled_letters_are_cement(code):
    result = code("Vertebroplasty T6: a needle was advanced into T6 and P. M. M. A. injected, 2 mL.")
    assert codes(result) == {"22510": 1}
    assert "P. M. M. A." in {e.text for e in result.codes[0].evidence}


def test_two_words_are_not_joined_into_a_third(code):
    # "procedure is" is not a slip for "procedures".
    result = code("Kyphoplasty at T7 with a balloon and cement. The same procedure is performed at T8.")
    assert codes(result) == {"22513": 1, "22515": 1}


# -- what was actually done -----------------------------------------------------------------


def test_tamps_that_never_inflated_leave_vertebroplasty(code):
    text = (
        "Procedure: Balloon kyphoplasty L1.\nDescription: Trocars into L1. The bone tamps could not be advanced "
        "and were removed uninflated. 4 mL PMMA was then injected through the cannulas.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "technique-conflict" in kinds(result)


def test_a_device_withdrawn_without_inflation_made_no_cavity(code):
    text = (
        "Description: A cannula was placed into L2 and an inflatable bone tamp passed. "
        "The bone tamp was withdrawn without being inflated. Cement, 3 mL, was injected through the cannula.\n"
    )
    assert codes(code(text)) == {"22511": 1}


def test_a_table_row_without_cement_is_an_attempt(code):
    text = (
        "Vertebroplasty\n"
        "Level | Needle | PMMA (mL) | Comment\n"
        "T12   | 13G    | 3.0       |\n"
        "L1    | 13G    | --        | needle could not reach the body\n"
    )
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert "aborted-level" in kinds(result)


def test_a_zero_volume_level_is_not_treated(code):
    text = "Kyphoplasty with balloons at L2 and L3.\nCement volumes:\n  L2 4 mL\n  L3 0 mL\n"
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert "aborted-level" in kinds(result)


def test_an_abandoned_side_makes_sacroplasty_unilateral(code):
    text = (
        "Procedure: bilateral sacroplasty planned.\nA needle was placed into the right sacral ala and 4 mL PMMA "
        "injected. On the left the needle entered the foramen; the left side was abandoned without injection.\n"
    )
    assert codes(code(text)) == {"0200T": 1}


def test_cement_into_the_s1_body_is_vertebroplasty_whatever_the_title(code):
    text = (
        "Title: Sacroplasty\nTechnique: needles through the right and left S1 pedicles into the S1 body; "
        "PMMA 2 mL injected through each. The alae were not accessed.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1}
    assert "s1-vertebroplasty" in kinds(result)


def test_counting_from_the_sacrum_treats_no_sacrum(code):
    text = "We counted the levels from the sacrum. Balloon kyphoplasty L3 and L4 with 4 mL PMMA each."
    assert codes(code(text)) == {"22514": 1, "22515": 1}


# -- repeats and distributive statements ----------------------------------------------------


def test_the_same_was_done_at_another_level(code):
    text = "Vertebroplasty: a 13G needle into L2 and 3 mL cement injected. The same was done at L3."
    assert codes(code(text)) == {"22511": 1, "22512": 1}


def test_a_distributive_sentence_gives_each_region_its_device(code):
    text = (
        "Levels treated: T12, L1.\nAt each level trocars were advanced, with balloon tamps at the thoracic "
        "levels and at L1, then PMMA injected at each level.\n"
    )
    assert codes(code(text)) == {"22513": 1, "22515": 1}


# -- hardware -------------------------------------------------------------------------------


def test_percutaneous_screws_beside_a_kyphoplasty_are_not_an_open_operation(code):
    text = (
        "Procedures: 1. Percutaneous pedicle screw fixation T11-L1. 2. Balloon kyphoplasty T8.\n"
        "Description: K-wires through stab incisions; cannulated screws over the wires at T11 and L1. "
        "T8: trocars, balloons inflated, 3 mL PMMA.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert "open-procedure" not in kinds(result)


def test_cement_augmented_screws_in_an_open_fusion_code_nothing(code):
    text = (
        "Open posterior fusion L3-L5 through a midline incision; laminectomy L4. Fenestrated screws placed in "
        "L3 and L5 and PMMA injected through each screw.\n"
    )
    result = code(text)
    assert codes(result) == {}
    assert "open-procedure" in kinds(result)


def test_open_surgery_after_the_cement_leaves_the_vertebroplasty(code):
    text = (
        "Procedure in detail: a needle into T10 and 3 mL PMMA injected; a leak into the canal was seen. "
        "A laminectomy of T10 was then done to remove the cement.\n"
    )
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert "open-after-cement" in kinds(result)


# -- found by the post-work blind batch -----------------------------------------------------


def test_a_title_word_inside_a_sentence_opens_no_section(code):
    # "findings:" in mid-sentence would otherwise open a findings section, whose words treat nothing.
    text = "Description: Trocars into T12, then guided by the findings: balloons inflated and 4 mL PMMA injected.\n"
    assert codes(code(text)) == {"22513": 1}


def test_start_and_stop_clock_times_give_the_sedation_minutes(code):
    text = (
        "Moderate sedation by the operator. Independent observer: J. Roe, RN, no other duties.\n"
        "Intra-service start time: 13:02\nIntra-service stop time: 13:42\n"
        "Procedure: Kyphoplasty L1 with balloons and 5 mL PMMA injected.\n"
    )
    assert codes(code(text)) == {"22514": 1, "99152": 1, "99153": 2}


def test_volumes_never_delivered_treat_nothing(code):
    text = (
        "Kyphoplasty L2 and L3: trocars, balloons inflated, PMMA injected at each level.\n\n"
        "ADDENDUM: At L3 no cement was placed. The volumes listed for L3 were prepared but never delivered.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert "addendum" in kinds(result)


def test_expandable_implants_are_a_cavity_device(code):
    text = (
        "Augmentation of T12: two expandable titanium implants expanded through the cannulas, then 4 mL PMMA injected."
    )
    assert codes(code(text)) == {"22513": 1}


# -- found by the blind batch b13-last ------------------------------------------------------


def test_an_attendings_addendum_adds_a_level(code):
    text = (
        "PROCEDURE PERFORMED: T12 balloon kyphoplasty.\nSURGEON: R. Lee\n"
        "DESCRIPTION: Trocars into T12, balloons inflated, 5 cc PMMA into the cavities.\n"
        "PLAN: Home tomorrow.\n\n"
        "ATTENDING ADDENDUM: we also treated L1: a needle into L1 and 2 cc PMMA injected; no balloon was used at L1.\n"
    )
    assert codes(code(text)) == {"22513": 1, "22511": 1}


def test_a_technique_word_naming_equipment_is_no_technique(code):
    text = (
        "Procedure performed: L4 percutaneous vertebroplasty.\n"
        "Kyphoplasty access needles and cannulas were placed into L4. The inflatable bone tamp had not expanded "
        "and was removed. PMMA 4 mL was injected through the cannulas.\n"
    )
    assert codes(code(text)) == {"22511": 1}


def test_a_field_written_with_pipes_is_no_table_header(code):
    text = (
        "Moderate sedation: by the operator with an independent trained observer, no other duties.\n"
        "Intra-service time: start 10:05 | end 10:27 | total 22 min\n"
        "Technique: L3 | 11G needle | PMMA 2 mL directly through the needle |\n"
    )
    assert codes(code(text)) == {"22511": 1, "99152": 1}


def test_a_biopsy_level_named_in_the_conclusion_is_not_treated(code):
    text = (
        "L2: needle into L2, PMMA 2 mL injected, no cavity device.\n"
        "L4: bone biopsy needle into L4, two cores obtained. No cement was injected at L4.\n"
        "CONCLUSION: Successful L2 vertebroplasty and L4 bone biopsy.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1, "20225": 1}


def test_bullets_at_the_index_level_are_done_there(code):
    text = (
        "Diagnosis: acute L2 compression fx. L1 and L3 chronic wedging, no edema - not targets.\n"
        "Procedure:\n- Index level confirmed by counting from sacrum.\n- Bipedicular access, trocars placed.\n"
        "- IBTs inflated.\n- PMMA filled both cavities, 6 mL.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert "level-resolved" in kinds(result)


# -- found by the blind batch b13-accept ----------------------------------------------------


def test_a_dictated_level_before_a_colon_is_the_level_worked_on(code):
    text = (
        "Operation: Percutaneous vertebral augmentation T10 and T11.\n"
        "Procedure:\nT ten: trocars, the curette deployed to create a cavity, cement 2 ml.\n"
        "T eleven: the same, curette and cement 2 ml.\n"
    )
    assert codes(code(text)) == {"22513": 1, "22515": 1}


def test_cement_withheld_on_one_side_leaves_the_other(code):
    text = (
        "Sacroplasty.\nRIGHT: needle into the right sacral ala, PMMA 4 mL injected.\n"
        "LEFT: the needle crossed the foramen and was withdrawn. No cement was injected on the left.\n"
    )
    assert codes(code(text)) == {"0200T": 1}


def test_an_abandoned_side_is_flagged(code):
    text = (
        "Sacroplasty: a needle into the right sacral ala and 4 mL PMMA injected. On the left the needle entered "
        "the foramen and the left side was abandoned without injection.\n"
    )
    result = code(text)
    assert codes(result) == {"0200T": 1}
    assert "aborted-level" in kinds(result)


def test_steps_naming_no_level_are_done_at_the_one_level_named(code):
    text = (
        "Diagnosis: fresh T9 fracture.\nProcedure:\n1. Prone. T9 confirmed by counting ribs.\n"
        "2. Bilateral transpedicular 11G needles and cannulas.\n3. Balloons inflated, cavity created.\n"
        "4. PMMA 5 ml into the cavities.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert "level-resolved" in kinds(result)


def test_a_repeated_technique_whose_device_did_nothing_is_vertebroplasty(code):
    text = (
        "T12: trocars, inflatable bone tamps inflated to make cavities, 5 mL PMMA.\nL2: Same technique.\n\n"
        "ADDENDUM: at L2 the bone tamps could not be advanced and neither tamp was inflated; the PMMA at L2 "
        "was injected directly through the cannulas.\n"
    )
    assert codes(code(text)) == {"22513": 1, "22511": 1}


def test_a_transoral_incision_is_no_open_operation(code):
    text = (
        "Transoral balloon kyphoplasty C2: an 11 G trocar through a midline incision of the posterior pharyngeal "
        "wall into C2; a balloon inflated to make a cavity; 2 mL PMMA injected.\n"
    )
    assert codes(code(text)) == {"22899": 1}


# -- found by the blind batch b13-final2 ----------------------------------------------------


def test_dot_leader_fields_are_read_line_by_line(code):
    text = (
        "TECHNIQUE\nL3 access ........ 10G trocars\nL3 cavity creation ........ inflatable bone tamps x2\n"
        "L3 cement ........ PMMA 5 mL\nL5 access ........ 11G bone biopsy needle\nL5 biopsy ........ 3 cores\n"
        "L5 cement ........ none\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "20225": 1}


def test_a_biopsy_when_the_procedure_was_stopped_is_coded(code):
    text = (
        "Procedure performed: T6 bone biopsy. Vertebroplasty not performed.\nTechnique: a bone biopsy needle into "
        "T6; three cores obtained. The patient desaturated and the procedure was terminated before any cement.\n"
    )
    result = code(text)
    assert codes(result) == {"20225": 1}
    assert result.codes[0].modifiers == []
    assert "biopsy-other-level" in kinds(result)


def test_a_terminated_procedure_ends_the_level_it_names(code):
    text = (
        "L1: trocars, balloons inflated, PMMA 2.5 mL per side.\nL2: cannulas placed and balloons inflated. The "
        "L2 cannulas were withdrawn and the procedure was terminated. No cement was placed in L2.\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert "aborted-level" in kinds(result)


def test_ordinal_region_labels_are_levels(code):
    text = (
        "Procedure:\nEighth thoracic: 11G needle, PMMA 2 mL injected through the needle.\n"
        "Tenth thoracic: 11G needle, PMMA 2.5 mL injected.\n"
    )
    assert codes(code(text)) == {"22510": 1, "22512": 1}


def test_a_misheard_not_voids_the_device(code):
    text = (
        "L1: a working cannula placed; the balloon was knot deployed. The PMMA was delivered directly through "
        "the cannula, 3 cc.\n"
    )
    assert codes(code(text)) == {"22511": 1}


# -- found by the blind batch b13-close -----------------------------------------------------


def test_an_open_exposure_before_screw_cement_is_an_open_operation(code):
    text = (
        "Description: Midline skin incision, subperiosteal exposure L3-L5. Pedicles of L3 and L4 cannulated. "
        "Fenestrated screws placed; PMMA injected through each screw, 1.5 mL. Bilateral laminotomy L3-L4.\n"
    )
    result = code(text)
    assert codes(result) == {}
    assert "open-procedure" in kinds(result)


def test_post_procedure_imaging_is_a_finding(code):
    text = (
        "T12: tamps inflated, then abandoned: NO cement was injected at T12. L1: balloons inflated, PMMA 3 mL.\n"
        "Post-procedure CT T11-L2: L1 cement well contained.\n"
    )
    assert codes(code(text)) == {"22514": 1}


def test_a_sacral_segment_named_with_the_ala_is_the_sacrum(code):
    text = (
        "Sacroplasty: 11 G needles into the right and left sacral alae at S1, lateral to the S1 foramina; PMMA "
        "3 mL each side.\nL5: needles into L5, PMMA 2 mL through the needles, no cavity creation.\n"
    )
    assert codes(code(text)) == {"0201T": 1, "22511": 1}
