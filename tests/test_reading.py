"""Issue 3: the notes that trip people and language models up, read as a coder reads them."""

import pytest

from vertcode.run.evaluate import load_gold

from conftest import CORPUS, codes, kinds


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kyphopasty at T12 with balloon tamps and cement.", {"22513": 1}),
        ("Vertebroplsty at L4 with cement through a needle.", {"22511": 1}),
        ("Vertabroplasty of T9, PMMA through the needle.", {"22510": 1}),
        ("Baloon kyphoplasty L2: baloon inflated, cement injected.", {"22514": 1}),
        ("Kyphoplasty L1 with curretage of the cavity and polymethylmethacrylite.", {"22514": 1}),
    ],
)
def test_transcription_slips_are_read(code, text, expected):
    assert codes(code(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Rhinoplasty in 2010; angioplasty of the left leg at L4 level is irrelevant here.",
        "Smith-Petersen osteotomy at L3 for the deformity, no other work.",
        "Saloon doors, ballet class and a cemetery visit were discussed at L2.",
    ],
)
def test_lookalike_words_are_not_procedures(code, text):
    assert codes(code(text)) == {}


def test_checked_boxes_only(code):
    text = (
        "Procedure: [X] Balloon kyphoplasty  [ ] Vertebroplasty\n"
        "Levels treated: [ ] T11 [x] T12 [ ] L1\n"
        "Cavity creation device: [x] Inflatable bone tamp  [ ] Curette\n"
        "Cement: PMMA 3.0 mL into the cavity through bilateral cannulas\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert {f.level: f.status for f in result.findings} == {"T12": "treated", "T11": "negated", "L1": "negated"}


@pytest.mark.parametrize(
    "levels",
    [
        "Levels treated:\n[ ] T6\n[x] T7\n[x] T8\n[ ] T9\n",  # one box a line, below the field
        "Levels treated:  [ ] T6  [x] T7\n [x] T8  [ ] T9\n",  # the boxes wrapped onto a second line
        "Levels treated:\n- T7\n- T8\n",  # a list below the field
    ],
)
def test_a_field_listed_on_the_lines_below_it(code, levels):
    text = "Procedure: [ ] Balloon kyphoplasty  [X] Vertebroplasty\n" + levels + "Cement: PMMA 2.5 mL a level\n"
    result = code(text)
    assert codes(result) == {"22510": 1, "22512": 1}
    assert {f.level for f in result.findings if f.status == "treated"} == {"T7", "T8"}
    line = next(c for c in result.codes if c.code == "22512")
    assert "Levels treated" in {e.text for e in line.evidence}


@pytest.mark.parametrize("checkbox", ["[\n]", "[  ]"])
def test_an_empty_box_split_or_padded_is_still_empty(code, checkbox):
    text = (
        f"Procedure: [X] Vertebroplasty\nLevels treated: [x] T12\n"
        f"Cavity creation device: {checkbox} Inflatable bone tamp  [x] None\nCement: PMMA 3 mL\n"
    )
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert result.findings[0].device is None


def test_what_follows_a_listed_field_goes_on_about_all_its_levels(code):
    text = (
        "Levels treated:\n\u2022 T6\n\u2022 T7\n\n"
        "Technique at each level: bilateral inflatable bone tamps, then PMMA 3 mL into the cavity.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1, "22515": 1}
    assert {f.level: f.device for f in result.findings} == {"T6": "balloon", "T7": "balloon"}


def test_a_plural_label_is_a_field(code):
    # "Level(s):" was one token "Level(s" and an emoticon "):", so no field at all.
    text = (
        "Diagnosis: Acute L3 osteoporotic compression fracture\nLevel(s):\n  - L3\n\n"
        "Technique: Balloon kyphoplasty. Inflatable bone tamps inflated; PMMA 4 mL injected.\n"
    )
    assert codes(code(text)) == {"22514": 1}


def test_numbered_labels_of_a_per_level_worksheet(code):
    text = (
        "Level 1 of 2: L1\n  Technique: [x] Balloon kyphoplasty [ ] Vertebroplasty\n"
        "  Detail: bilateral balloons inflated to create a cavity, PMMA 4.0 mL into the cavity\n"
        "Level 2 of 2: L2\n  Technique: [ ] Balloon kyphoplasty [x] Vertebroplasty\n"
        "  Detail: 11G needle, PMMA 2.5 mL injected through the needle, no cavity device\n"
    )
    result = code(text)
    assert codes(result) == {"22514": 1, "22511": 1}
    assert kinds(result) == ["mixed-techniques"]


def test_a_one_line_field_ends_with_its_line(code):
    text = (
        "Vertebral augmentation report\nAnesthesia: Local anesthetic.\nBilateral transpedicular access "
        "to T12. A cavity was created with an osteotome and PMMA 4 mL was injected into the cavity.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert kinds(result) == []


def test_a_vertebroplasty_title_over_a_balloon_description(code):
    text = (
        "PERCUTANEOUS VERTEBROPLASTY, T8\nDescription: bilateral cannulas into T8. A balloon was inflated "
        "to create a cavity, then removed, and 3 mL of PMMA was injected into the cavity.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1}
    assert kinds(result) == ["technique-conflict"]


@pytest.mark.parametrize(
    "text",
    [
        # A list after "No" is all denied, to its last item.
        "Planned procedure: Balloon kyphoplasty.\nLevels planned:\n[ ] L2\n[ ] L3\nThe procedure was cancelled "
        "before any needle was placed. No local anesthetic, needles, balloons or cement were used.\n",
        # Today's imaging of an earlier procedure's cement is a finding, not a procedure.
        "CLINIC FOLLOW-UP\nHistory: s/p balloon kyphoplasty of T12 on 04/29.\n"
        "Imaging today: standing X-ray shows a stable T12 cement cast, no new fractures.\n",
    ],
)
def test_nothing_done_today_gets_no_code_and_no_flag(code, text):
    result = code(text)
    assert codes(result) == {}
    assert kinds(result) == []


@pytest.mark.parametrize(
    "text, treated, mentioned",
    [
        # A paragraph field ("Medications:") runs to the blank line, wrapped lines and all.
        (
            "Medications: calcium, vitamin D.\nTeriparatide was held before her L2 kyphoplasty with cement.\n\n"
            "Vertebroplasty at T10 with cement.\n",
            "T10",
            "L2",
        ),
        # A list after a blank line is not the value of the field above it.
        (
            "Procedure: Vertebroplasty with cement\nLevels treated: T7\n\n- T9 fracture noted, for follow-up\n",
            "T7",
            "T9",
        ),
    ],
)
def test_a_blank_line_ends_a_field(code, text, treated, mentioned):
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert {f.level: f.status for f in result.findings} == {treated: "treated", mentioned: "mentioned"}


def test_ticked_kyphoplasty_with_no_device_is_coded_as_vertebroplasty(code):
    text = (
        "Procedure: [X] Balloon kyphoplasty  [ ] Vertebroplasty\n"
        "Levels treated: [x] T12\n"
        "Cavity creation device: [ ] Inflatable bone tamp  [ ] Curette  [x] None\n"
        "Cement delivery: PMMA 3.0 mL injected directly through the 11G access needle\n"
    )
    result = code(text)
    assert codes(result) == {"22510": 1}
    assert kinds(result) == ["technique-conflict"]


def test_table_rows_read_with_their_headers(code):
    text = (
        "Bilateral cannulas, inflatable bone tamps, PMMA at each level.\n\n"
        "| Level | Treated | Balloon (mL) | PMMA (mL) |\n"
        "|-------|---------|--------------|-----------|\n"
        "| T11   | yes     | 2.0          | 4.0       |\n"
        "| T12   | yes     | 2.5          | 5.0       |\n"
        "| L1    | no      | -            | -         |\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1, "22515": 1}
    assert {f.level: f.status for f in result.findings}["L1"] == "negated"


def test_procedure_terminated_aborts_the_level_in_hand(code):
    text = (
        "PROCEDURE: Attempted balloon kyphoplasty T8.\n"
        "NOTE: The right 11-gauge trocar was placed into the T8 pedicle. The patient became hypotensive "
        "and the procedure was terminated. No balloon was inserted and no cement was injected.\n"
    )
    result = code(text)
    assert codes(result) == {}
    assert kinds(result) == ["aborted-level"]


def test_sedation_with_time_and_observer_from_the_note(code):
    text = (
        "ANESTHESIA: Moderate sedation by the proceduralist; Jane Roe, RN, independent trained observer. "
        "Intra-service time 10:05 to 10:46.\n\n"
        "PROCEDURE: Vertebroplasty at L2 through an 11-gauge needle with 3 mL PMMA.\n"
    )
    result = code(text)
    assert codes(result) == {"22511": 1, "99152": 1, "99153": 2}
    sedation = next(line for line in result.codes if line.code == "99152")
    assert {e.text for e in sedation.evidence} >= {
        "Moderate sedation",
        "independent trained observer",
        "10:05 to 10:46",
    }


@pytest.mark.parametrize(
    "anesthesia, expected_flags",
    [
        ("Local with IV sedation.", ["sedation-time-missing"]),
        ("Local lidocaine only, no sedation.", []),
        ("General endotracheal anesthesia by anesthesiology.", []),
        ("MAC by the anesthesia team.", []),
    ],
)
def test_sedation_documentation(code, anesthesia, expected_flags):
    result = code(f"ANESTHESIA: {anesthesia}\n\nPROCEDURE: Vertebroplasty at L2 with 3 mL PMMA through a needle.\n")
    assert codes(result) == {"22511": 1}
    assert kinds(result) == expected_flags


def test_biopsy_of_an_untreated_level(code):
    text = (
        "TECHNIQUE: T12: bilateral cannulas, inflatable bone tamps, 2.8 mL PMMA per side. "
        "L3: an 11-gauge bone biopsy needle was advanced into the lesion and two cores obtained. "
        "No cement was placed at L3.\n"
    )
    result = code(text)
    assert codes(result) == {"22513": 1, "20225": 1}
    assert kinds(result) == ["biopsy-other-level"]
    assert {f.level: f.status for f in result.findings}["L3"] == "mentioned"


def test_included_services_are_named_never_coded(code):
    text = (
        "Under biplane fluoroscopy, bilateral cannulas were placed at L2, a venogram was obtained, "
        "a bone biopsy of L2 was taken, balloon tamps achieved fracture reduction and 5 mL PMMA was injected."
    )
    result = code(text)
    assert codes(result) == {"22514": 1}
    assert (
        "imaging guidance, venography, fracture reduction and bone biopsy of a treated level"
        in result.codes[0].rationale
    )


def test_open_operation_with_cement_screws_gets_no_percutaneous_code(code):
    text = (
        "PROCEDURE: Posterior spinal fusion T11-L1 with fenestrated pedicle screws augmented with PMMA "
        "cement at T11, T12 and L1 through a midline incision."
    )
    result = code(text)
    assert codes(result) == {}
    assert kinds(result) == ["open-procedure"]


def test_sacroplasty_names_its_own_site(code):
    result = code("Sacroplasty for sacral insufficiency fracture under CT guidance, 11g needle, 6 mL PMMA.")
    assert codes(result) == {"0200T": 1}
    assert kinds(result) == ["sacroplasty-laterality-missing"]


def test_cervical_augmentation_and_vertebroplasty(code):
    assert codes(code("Balloon kyphoplasty at C5 through a cannula with 2 mL cement.")) == {"22899": 1}
    assert codes(code("Vertebroplasty at C2 through a needle with 1.5 mL cement.")) == {"22510": 1}


# Every rule of coding-rules.md is exercised by at least three corpus notes.
GOLD = {g.note: g for g in load_gold(CORPUS)}
AUGMENTATION = {"22513", "22514", "22515", "22899"}
VERTEBROPLASTY = {"22510", "22511", "22512"}


@pytest.mark.parametrize(
    "flag",
    [
        "cross-region-primary",
        "mixed-techniques",
        "aborted-level",
        "technique-conflict",
        "header-body-mismatch",
        "no-device",
        "cervical-augmentation",
        "s1-vertebroplasty",
        "sacroplasty-laterality-missing",
        "open-procedure",
        "no-level",
        "biopsy-other-level",
        "sedation-time-missing",
    ],
)
def test_each_flag_has_three_corpus_notes(flag):
    assert sum(1 for g in GOLD.values() if g.flags and flag in g.flags) >= 3


@pytest.mark.parametrize(
    "code_",
    ["22510", "22511", "22512", "22513", "22514", "22515", "0200T", "0201T", "22899", "20225", "99152", "99153"],
)
def test_each_code_has_three_corpus_notes(code_):
    assert sum(1 for g in GOLD.values() if code_ in g.codes) >= 3


def test_rule_6_same_level_both_techniques_has_notes():
    notes = ["proc-27.txt", "rule-01.txt", "rule-03.txt", "mix-05.txt", "mix-26.txt"]
    for name in notes:
        assert set(GOLD[name].codes) & AUGMENTATION and not set(GOLD[name].codes) & VERTEBROPLASTY, name


def test_rule_10_included_services_have_notes():
    notes = ["proc-02.txt", "ctx-29.txt", "mix-01.txt", "rule-14.txt", "var-07.txt"]
    for name in notes:
        assert not {"77002", "77003", "77012", "20225", "22310", "22315", "22325", "22327"} & set(GOLD[name].codes)


def test_no_cement_anywhere_is_flagged(code):
    result = code("Balloon kyphoplasty T12 with bilateral inflatable bone tamps.")
    assert codes(result) == {"22513": 1}
    assert kinds(result) == ["cement-not-documented"]
    assert result.codes[0].review
