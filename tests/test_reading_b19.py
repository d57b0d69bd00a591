"""Reading rules the blind batch b19 led to, each on a note written the way it was."""

from __future__ import annotations

import pytest

from vertcode.run.coder import Coder

from conftest import kinds


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder()


def test_an_attempt_abandoned_after_it_is_named_is_not_coded(coder):
    # "abandoned" reaches back to the kyphoplasty it ends, as well as forward.
    text = (
        "Operation: Balloon kyphoplasty T12; attempted kyphoplasty T11, abandoned\n"
        "Procedure: Prone.  The right trocar at T11 breached the medial pedicle wall and was withdrawn.  "
        "The T11 kyphoplasty was then abandoned; no balloon was inflated and no cement was applied at T11.\n"
        "T12: bipedicular access with Jamshidi needles.  Two balloon catheters were inflated in T12.  "
        "PMMA 3 ml per side was applied into the cavities of T12.\n"
    )
    result = coder.code_text(text, "abandoned.txt")
    assert result.code_units() == {"22513": 1}
    assert kinds(result) == ["aborted-level"]


def test_anaesthesia_planned_for_another_day_is_not_todays_provider(coder):
    text = (
        "Operation performed: Attempted kyphoplasty L3, terminated before access\n"
        "Sedation: moderate sedation given by the operating surgeon (midazolam 2 mg i.v.); independent "
        "trained observer R. Klein RN throughout.  Intra-service time 16 minutes.\n"
        "Course: The pedicles of L3 could not be visualised.  No needle was advanced into the vertebral "
        "body and no cement was injected.  The procedure was terminated.\n"
        "Plan: CT-guided kyphoplasty L3 under general anaesthesia to be scheduled.\n"
    )
    result = coder.code_text(text, "terminated.txt")
    assert result.code_units() == {"99152": 1}
    assert kinds(result) == ["aborted-level"]


def test_a_comparison_with_vertebroplasty_names_no_technique_done(coder):
    text = (
        "PROCEDURE: Percutaneous sacroplasty, left.\n"
        "Under CT guidance an 11-gauge needle was placed into the left sacral ala at S1.  "
        "In a manner similar to that used for vertebroplasty, PMMA was injected through the needle.\n"
        "Approximately 4 mL of PMMA was injected through the left-sided needle at S1.  No leak into the "
        "foramina.\n"
    )
    result = coder.code_text(text, "sacral.txt")
    assert result.code_units() == {"0200T": 1}
    assert "s1-vertebroplasty" not in kinds(result)


def test_an_intra_service_row_of_a_table_times_the_sedation(coder):
    text = (
        "Procedure(s): Vertebroplasty\n"
        "SEDATION: Moderate (conscious) sedation by operator\n"
        "Independent trained observer: K. Hart, RN\n"
        "| Event          | Time   |\n"
        "| Sedation start | 10:02  |\n"
        "| Intra-service  | 27 min |\n"
        "PROCEDURE DETAIL: L2: bilateral 11G transpedicular needles into the L2 body.\n"
        "L2 was injected with 3.5 mL of PMMA.\n"
    )
    result = coder.code_text(text, "table.txt")
    assert result.code_units() == {"22511": 1, "99152": 1, "99153": 1}


def test_a_level_that_may_be_considered_later_is_a_plan(coder):
    text = (
        "PROCEDURE NOTE - BALLOON KYPHOPLASTY\n"
        "Procedure: Balloon kyphoplasty T8\n"
        "Procedure: Bilateral access into T8.  Balloons inflated, cavities created, 2.5 mL PMMA per side "
        "into T8.  No leak.  T9 was not treated; a kyphoplasty at T9 may be considered later if it "
        "becomes painful.\n"
    )
    result = coder.code_text(text, "later.txt")
    assert result.code_units() == {"22513": 1}
    assert kinds(result) == []


def test_levels_of_a_posterior_instrumentation_are_not_a_title_of_treated_levels(coder):
    text = (
        "Procedure done: Percutaneous vertebroplasty L2; converted to open decompression, cement extraction "
        "and posterior instrumentation L1-L3 (see below).\n"
        "Anaesthesia: general anaesthesia.\n"
        "Procedure: Bilateral 11G needles into the L2 vertebral body.  2 mL of PMMA had been injected into "
        "L2 when cement was seen in the canal; the injection was stopped.\n"
        "The procedure was then converted to an open laminectomy with cement removal.\n"
    )
    result = coder.code_text(text, "converted.txt")
    assert result.code_units() == {"22511": 1}
    assert "header-body-mismatch" not in kinds(result)


def test_analgosedation_by_the_surgeon_without_a_time_is_queried(coder):
    text = (
        "Operation: Balloon kyphoplasty L4\n"
        "Anaesthesia: local anaesthesia and analgosedation administered by the surgeon\n"
        "Procedure: bipedicular access into L4, two balloons inflated, 3 ml PMMA per side into the L4 "
        "cavities.\n"
    )
    result = coder.code_text(text, "analgo.txt")
    assert result.code_units() == {"22514": 1}
    assert kinds(result) == ["sedation-time-missing"]


def test_minutes_after_the_cement_is_a_time_not_cement_at_the_level_named_last(coder):
    text = (
        "Procedures: 1. Balloon kyphoplasty T12.  2. Bone biopsy, L1.\n"
        "Procedure: Bilateral access into T12, balloons inflated, 3 mL PMMA per side into the T12 cavities.\n"
        "Finally an 11-gauge bone biopsy needle was advanced into the L1 vertebral body and two cores were "
        "obtained.  No cement was placed at L1.\n"
        "The patient was kept prone for about 10 minutes post cement injection, then turned supine.\n"
    )
    result = coder.code_text(text, "biopsy.txt")
    assert result.code_units() == {"22513": 1, "20225": 1}
    assert kinds(result) == ["biopsy-other-level"]
