"""Reading rules the blind batch b21 led to, each on a note written the way it was."""

from __future__ import annotations


def levels_of(result, code: str) -> list[str]:
    return next(line.levels for line in result.codes if line.code == code)


def test_each_row_of_an_aligned_list_of_levels_is_read_alone(code):
    # Rows of one line per level with a column's gap after the level: "T7  not treated" below
    # T9's row negates T7 alone, and T9's unipedicular row treats T9.
    text = (
        "PERCUTANEOUS VERTEBRAL AUGMENTATION - T6, T8, T9\n"
        "Procedure ...... Prone. Biplane fluoro.\n"
        "  T6  bilat transpedicular; balloons inflated 120 psi, cavities created;  2.0 mL PMMA each side into T6\n"
        "  T8  bilat transpedicular; balloons inflated 160 psi, cavities created;  5.5 mL PMMA total into T8\n"
        "  T9  L unipedicular (R pedicle tiny); balloon inflated 140 psi, cavity;   3.0 mL PMMA into T9\n"
        "  T7  not treated (no fracture)\n"
        "Result ......... No extravasation.\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1, "22515": 2}
    assert levels_of(result, "22515") == ["T8", "T9"]
    assert result.disposition == "auto"
    t9 = next(f for f in result.findings if f.level == "T9")
    # T9's evidence is its own row's, not T8's.
    row = text.index("  T9  ")
    assert all(e.start >= row for e in t9.evidence if e.label in ("DEVICE", "CEMENT", "LATERALITY"))


def test_an_aligned_tables_header_is_read_with_each_row(code):
    # "LEVEL ACCESS NEEDLE PMMA" names the columns: it is no statement about the levels the
    # diagnosis line named, and each row is read with it, so "T14" in a row of work is unreadable.
    text = (
        "IR VERTEBROPLASTY WORKSHEET\n"
        "Date: 12/16/2025      Operator: K. Mathis\n"
        "Dx: pathologic fx T11 + T12, osteoporotic\n"
        "\n"
        "LEVEL   ACCESS        NEEDLE   PMMA    LEAK\n"
        "T11     bipedicular   13G      2.5 mL  none\n"
        "T14     left uni      13G      2.0 mL  none\n"
        "\n"
        "Total PMMA 4.5 mL. Post films ok.\n"
    )
    result = code(text)
    assert result.code_units() == {"22510": 1}
    assert [f.kind for f in result.flags] == ["level-unreadable"]


def test_an_empty_cement_cell_of_an_aligned_table_places_no_cement(code):
    text = (
        "VERTEBROPLASTY\n"
        "Date: 03/02/2025   Operator: R. Haas\n"
        "\n"
        "LEVEL   ACCESS        NEEDLE   PMMA     NOTE\n"
        "L1      bipedicular   11G      3.0 mL   good fill\n"
        "L2      left uni      11G      --       needle malpositioned, withdrawn\n"
        "L3      bipedicular   11G      2.5 mL   good fill\n"
        "\n"
        "No leak. Needles out.\n"
    )
    result = code(text)
    assert result.code_units() == {"22511": 1, "22512": 1}
    assert levels_of(result, "22512") == ["L3"]


def test_a_line_of_implants_lists_the_sessions_devices_not_the_last_levels(code):
    # b21-04: "Implants: ... IBT x2" below "2. Percutaneous vertebroplasty L4" made L4 augmentation.
    text = (
        "Procedure(s):\n"
        "  1. Balloon kyphoplasty L1, bilateral transpedicular\n"
        "  2. Percutaneous vertebroplasty L4, bilateral transpedicular\n"
        "Implants: Kyphon Xpander II IBT x2 (single-use, not retained); KyphOs bone cement (PMMA)\n"
        "Op Narrative:\n"
        "Prone. L1 done first: bilateral cannulas, balloons inflated, cavities made, 5.0 mL PMMA delivered "
        "into L1. Then L4: bilateral 11G needles, cement injected directly through the needles without "
        "cavity creation, 4.0 mL PMMA into L4.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1, "22511": 1}
    assert sorted(f.kind for f in result.flags) == ["mixed-techniques"]


def test_a_kyphoplasty_whose_device_is_written_only_among_the_implants_has_it(code):
    text = (
        "PROCEDURE: Kyphoplasty T12\n"
        "Implants: Kyphon Xpander II inflatable bone tamps; Kyphon HV-R bone cement\n"
        "DESCRIPTION: Prone. Bilateral cannulas were placed into T12 and 4 mL of cement was injected into T12.\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1}
    assert sorted(f.kind for f in result.flags) == []
    line = result.codes[0]
    assert any(e.text == "inflatable bone tamps" for e in line.evidence)


def test_a_terse_notes_lower_case_label_ends_the_findings_before_it(code):
    # "MRI: L4 edema." opens a findings section; "sedation:" and the steps after it, on lines of
    # their own, are no findings: the balloon is L4's device.
    text = (
        "IR QUICK NOTE\n"
        "proc: kyphoplasty L4 unilat (R extrapedicular)\n"
        "pt 81F, osteoporosis, ground level fall -> L4 compression fx. NRS 9. MRI: L4 edema.\n"
        "sedation: moderate, by me; RN Chen independent observer. intraservice 30 min (08:40-09:10).\n"
        "R extrapedicular access L4, 10G cannula. balloon x1 inflated 200 psi -> cavity. PMMA 4 mL into L4.\n"
    )
    result = code(text)
    assert result.code_units() == {"22514": 1, "99152": 1, "99153": 1}
    assert sorted(f.kind for f in result.flags) == []
    line = next(line for line in result.codes if line.code == "22514")
    assert [e.text for e in line.evidence if e.label == "DEVICE"] == ["balloon"]


def test_old_cement_seen_unchanged_is_no_level_of_todays_work(code):
    # b21-20: "The L1 cement mass was unchanged" after T12's augmentation names an old cement mass.
    text = (
        "PROCEDURE NOTE - VERTEBRAL AUGMENTATION\n"
        "History: Prior balloon kyphoplasty at L1 in 2022.\n"
        "Procedure: Prone. Bilateral transpedicular 10G cannulas into T12. A bone curette was passed through "
        "each cannula to create a cavity. 4 mL of PMMA was then injected into the T12 cavity. The L1 cement "
        "mass was unchanged.\n"
    )
    result = code(text)
    assert result.code_units() == {"22513": 1}
    assert sorted(f.kind for f in result.flags) == []
