"""Reading rules the blind batch b25 led to, each on a note written the way it was."""

from __future__ import annotations

from conftest import kinds


def test_anaesthesia_an_alternative_would_need_is_no_anaesthesia_today(code):
    # b25-04: "the open options would need general anaesthesia" in the indication stood beside the
    # operator's timed, observed sedation as another provider's care: no 99152/99153.
    text = (
        "Procedure: CT-guided percutaneous vertebroplasty of C2.\n"
        "Indication: painful lytic myeloma lesion of C2; the open transoral options would need general "
        "anaesthesia and carry infection risk.\n"
        "Sedation: Moderate sedation administered by the operator with continuous monitoring by an "
        "independent trained observer, Leah Brandt, RN.\n"
        "  Sedation start 10:14. Sedation end 10:41. Total intra-service time 27 minutes.\n"
        "Technique: an 11G trocar needle was advanced into the C2 body. No cavity creation or balloon. "
        "PMMA 2.0 mL was injected into C2 under CT fluoroscopy.\n"
    )
    result = code(text)
    assert result.code_units() == {"22510": 1, "99152": 1, "99153": 1}
    assert kinds(result) == []


def test_a_side_that_will_not_be_treated_is_not_treated(code):
    # b25-12: "Right sacrum is intact and will not be treated" gave the left sacroplasty a right side:
    # 0201T, auto.
    text = (
        "Operation: Percutaneous sacroplasty, left side, under fluoroscopy and CT control.\n"
        "\n"
        "Left sacral insufficiency fracture, NRS 8.\n"
        "Right sacrum is intact and will not be treated. Patient informed about the risk of leakage.\n"
        "\n"
        "An 11 G needle was inserted along the long axis of the left sacral ala. 5 ml PMMA injected into "
        "the left sacral ala.\n"
    )
    result = code(text)
    assert result.code_units() == {"0200T": 1}
    assert kinds(result) == []


def test_stable_cement_on_earlier_films_is_no_cement_of_this_procedure(code):
    # b25-06: a medial branch ablation whose history reads "Standing films show stable cement in L1"
    # was coded as a vertebroplasty of the levels its cannulas reached (22511, +22512 x2, 0200T).
    text = (
        "Procedure: Lumbosacral Radiofrequency Ablation\n"
        "Levels Treated: L3-L4, L4-L5, L5-S1\n"
        "\n"
        "Pre-Procedure Review: an L1 fracture was treated with balloon kyphoplasty at an outside hospital "
        "in 2022. Standing films 05/2024 show stable cement in L1 with no new fracture.\n"
        "\n"
        "Description: An 18-gauge RF cannula was advanced to the junction of the superior articular "
        "process and transverse process at L3, L4 and L5, and to the sacral ala groove, on the left. "
        "Lesioning was performed at 80 degrees C for 90 seconds at each level. The cannulas were removed.\n"
    )
    result = code(text)
    assert result.code_units() == {}
    assert kinds(result) == []


def test_a_clinic_note_whose_imaging_shows_old_cement_names_a_treated_level(code):
    # The same cement, read as history, must still tell a coder that a clinic note names an
    # augmented level (b15k-34's no-procedure-today).
    text = (
        "SPINE CLINIC - FOLLOW-UP VISIT\n"
        "\n"
        "HISTORY: seen two weeks after bilateral L5 kyphoplasty performed on 01/18.\n"
        "\n"
        "DATA: Standing lumbar radiographs today show stable cement within L5 with no further height loss.\n"
        "\n"
        "ASSESSMENT AND PLAN:\n"
        "1. Status post L5 kyphoplasty, doing well.\n"
        "Return in 3 weeks.\n"
    )
    result = code(text)
    assert result.code_units() == {}
    assert kinds(result) == ["no-procedure-today"]


def test_a_spoken_period_ends_the_sentence_in_dictation_that_speaks_its_punctuation(code):
    # b24-23: "... no leakage period the cannulas were removed period the old L1 cement was
    # visualized and unchanged period" was one sentence, so L1 took T12's work: +22515.
    text = (
        "this is doctor nakamura dictating procedure kyphoplasty T12 bilateral period\n"
        "description of procedure the patient was placed prone comma the T12 pedicles were identified "
        "bilaterally comma\n"
        "the working cannulas were placed and the inflatable bone tamps were inserted and inflated then "
        "deflated and removed next the cement was mixed\n"
        "and a total of 4.5 cc of the cement was put into T12 under live lateral fluoroscopy with good fill\n"
        "and no leakage period the cannulas were removed the incisions were closed with dermabond period the\n"
        "old L1 cement was visualized and unchanged period the patient tolerated the procedure well\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1}
    assert [f.level for f in result.findings if f.status == "treated"] == ["T12"]


def test_the_word_period_ends_a_sentence_only_where_the_note_speaks_its_punctuation(coder):
    # Outside dictation "period" is a word: "the recovery period" ends no sentence.
    written = coder.nlp("Needle into L2; over a short period 3 mL PMMA was injected. The recovery period was calm.")
    dictated = coder.nlp("needle into L2 comma then cement comma no leak period the old L1 cement was unchanged")
    assert [t.text for t in written if t.is_sent_start] == ["Needle", "over", "The"]
    assert [t.text for t in dictated if t.is_sent_start] == ["needle", "the"]


def test_an_unticked_box_denies_its_line_with_what_its_brackets_say(code):
    # b25-17: "[ ] Trauma (high energy)" beside "[x] Osteoporosis" read as a high-energy injury:
    # a trauma-or-osteoporosis query instead of M80.08XA.
    text = (
        "PRE-PROCEDURE DIAGNOSIS: compression fracture T9\n"
        "Etiology:\n"
        "  [x] Osteoporosis (DXA T-score: -3.2)\n"
        "  [ ] Trauma (high energy)\n"
        "  [ ] Malignancy\n"
        "PROCEDURE: bilateral inflatable bone tamps inflated in T9, cavities created, PMMA 4.0 mL into T9.\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1}
    assert result.claim is not None
    assert [d.code for d in result.claim.diagnoses] == ["M80.08XA"]
    assert [q.kind for q in result.claim.queries] == []


def test_a_recogniser_that_spells_ph_as_f_still_names_the_technique(code):
    # b25-16: "balloon kyfo plasty" was not read at all; a note resting on it alone coded nothing
    # to say what was done.
    text = (
        "procedure colon bilateral balloon kyfo plasty L1 period\n"
        "description colon needles into L1 comma cement injected into L1 comma no leak period\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1}
    technique = [e.text for f in result.findings for e in f.evidence if e.label == "TECHNIQUE"]
    assert technique == ["balloon kyfo plasty"]
    assert kinds(result) == ["approximate-term"]


def test_a_transitional_segment_counted_from_is_no_level_treated(code):
    # b25-19: an addendum's "(rib count and the transitional S1 segment), the treated level was L3"
    # listed S1 as treated: header-body-mismatch.
    text = (
        "Procedure: Balloon kyphoplasty L2\n"
        "Technique: Bilateral transpedicular access to L2. Bilateral balloons inflated creating cavities. "
        "6 mL of PMMA injected into L2.\n"
        "\n"
        "ADDENDUM: On review of the images against the MRI (rib count and the transitional S1 segment), "
        "the fractured and treated level was L3, not L2 as written above.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1}
    assert kinds(result) == ["addendum"]
