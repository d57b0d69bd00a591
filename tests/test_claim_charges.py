"""Reading a user's charge lines (--charges FILE): CSV or JSON Lines, and errors a user can act on.

Every error is asserted as its whole message: the file, the line and what is wrong.
"""

from __future__ import annotations

import pytest

from vertcode.claims.charges import ChargesError, read_charges
from vertcode.claims.edits import ChargeLine


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error(path) -> str:
    with pytest.raises(ChargesError) as caught:
        read_charges(path)
    return str(caught.value)


def test_a_csv_gives_each_notes_lines_in_order(tmp_path):
    path = write(
        tmp_path,
        "charges.csv",
        "note,code,units,modifiers,levels\n"
        "op-1.txt,22513,1,,T8\n"
        'op-1.txt,22515,2,,"T9;T10"\n'
        "op-2.txt,22511,,,L2\n"
        'op-1.txt,20225,1,"XS, 59",L3\n'
        "op-2.txt,0200t,1,-XS 59,sacrum\n"
        "op-3.txt,22513,1,,T11-L1\n",
    )
    assert read_charges(path) == {
        "op-1.txt": [
            ChargeLine("22513", 1, (), ("T8",)),
            ChargeLine("22515", 2, (), ("T9", "T10")),
            ChargeLine("20225", 1, ("XS", "59"), ("L3",)),
        ],
        "op-2.txt": [ChargeLine("22511", 1, (), ("L2",)), ChargeLine("0200T", 1, ("XS", "59"), ("sacrum",))],
        "op-3.txt": [ChargeLine("22513", 1, (), ("T11", "T12", "L1"))],
    }


def test_a_csv_needs_only_note_and_code_and_forgives_case_spaces_a_bom_and_blank_lines(tmp_path):
    path = write(tmp_path, "c.csv", "\ufeff Code , NOTE\n\n22514,a\n,\n22515,a\n")
    assert read_charges(path) == {"a": [ChargeLine("22514"), ChargeLine("22515")]}


def test_json_lines_take_lists_or_cell_strings_and_a_numeric_note_id(tmp_path):
    path = write(
        tmp_path,
        "c.jsonl",
        '{"note": 7, "code": "22513", "levels": ["T8"], "modifiers": []}\n'
        "\n"
        '{"note": "7", "code": "22515", "units": 2, "levels": "T9;T10"}\n'
        '{"note": "b.txt", "code": "22512", "units": "1", "modifiers": ["51"]}\n',
    )
    assert read_charges(path) == {
        "7": [ChargeLine("22513", 1, (), ("T8",)), ChargeLine("22515", 2, (), ("T9", "T10"))],
        "b.txt": [ChargeLine("22512", 1, ("51",), ())],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"note": "a", "code": "22513"}\n', {"a": [ChargeLine("22513")]}),
        ("note,code\na,22514\n", {"a": [ChargeLine("22514")]}),
    ],
)
def test_another_suffix_is_told_by_its_first_line(tmp_path, text, expected):
    assert read_charges(write(tmp_path, "charges.txt", text)) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "note,code,payer\na,22513,medicare\n",
            "1: unknown column(s) 'payer'; the header names note,code and optionally units,modifiers,levels",
        ),
        (
            "note,cpt\na,22513\n",
            "1: unknown column(s) 'cpt'; the header names note,code and optionally units,modifiers,levels",
        ),  # fmt: skip
        ("note,units\na,1\n", "1: no 'code' column; the header names note,code and optionally units,modifiers,levels"),
        (
            "\nnote,code,code\n",
            "2: a column is named twice; the header names note,code and optionally units,modifiers,levels",
        ),  # fmt: skip
        ("note,code\na,22513\nb,\n", "3: missing code"),
        ("note,code\n,22513\n", "2: missing note (the note's file name or id)"),
        ("note,code\na,2251\n", "2: code '2251' is not a five-character CPT/HCPCS code"),
        ("note,code,units\na,22513,0\n", "2: units '0' is not a positive whole number"),
        ("note,code,units\na,22513,-1\n", "2: units '-1' is not a positive whole number"),
        ("note,code,units\na,22513,1.5\n", "2: units '1.5' is not a positive whole number"),
        ("note,code,units\na,22513,two\n", "2: units 'two' is not a positive whole number"),
        ("note,code,modifiers\na,22513,XSS\n", "2: modifier 'XSS' is not a two-character modifier"),
        ("note,code,levels\na,22513,T14\n", "2: level 'T14' is not a vertebral level (T8, L1, sacrum)"),
        ("note,code\na,22513,XS\n", "2: 3 cells, but the header names 2 columns"),
        # A quoted cell over two lines: the next record is line 4.
        ('note,code,levels\na,22513,"T8;\nT9"\nb,x\n', "4: code 'X' is not a five-character CPT/HCPCS code"),
        ("note,code\n", "no charge lines"),
    ],
)
def test_a_bad_csv_names_the_file_the_line_and_the_problem(tmp_path, text, problem):
    path = write(tmp_path, "charges.csv", text)
    assert error(path) == f"{path}:{problem}" if problem[0].isdigit() else error(path) == f"{path}: {problem}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"note": "a", "code": "22513"}\n{"note": "a", "code": }\n', "2: invalid JSON (Expecting value)"),
        ('["a", "22513"]\n', "1: expected a JSON object with note and code"),
        (
            '{"note": "a", "code": "22513", "payer": "medicare"}\n',
            "1: unknown key(s) ['payer']; allowed: note, code, units, modifiers, levels",
        ),
        ('\n{"note": "a"}\n', "2: missing code"),
        ('{"note": true, "code": "22513"}\n', "1: missing note (the note's file name or id)"),
        ('{"note": "a", "code": 22513}\n', "1: missing code"),
        ('{"note": "a", "code": "22513", "units": 0}\n', "1: units 0 is not a positive whole number"),
        ('{"note": "a", "code": "22513", "units": true}\n', "1: units True is not a positive whole number"),
        ('{"note": "a", "code": "22513", "units": 1.0}\n', "1: units 1.0 is not a positive whole number"),
        (
            '{"note": "a", "code": "22513", "modifiers": [59]}\n',
            "1: modifiers must be a list of strings, or one string separated by ; , or spaces",
        ),
        (
            '{"note": "a", "code": "22513", "levels": ["L9"]}\n',
            "1: level 'L9' is not a vertebral level (T8, L1, sacrum)",
        ),  # fmt: skip
    ],
)
def test_bad_json_lines_name_the_file_the_line_and_the_problem(tmp_path, text, problem):
    path = write(tmp_path, "charges.jsonl", text)
    assert error(path) == f"{path}:{problem}"


def test_an_unknown_format_an_empty_file_and_an_unreadable_one_are_said(tmp_path):
    path = write(tmp_path, "charges.xlsx", "PK\x03\x04 not a table")
    assert error(path) == (
        f"{path}: unknown format: expected CSV with a header naming note,code (a .csv file) "
        "or JSON Lines (a .jsonl file)"
    )
    empty = write(tmp_path, "empty.jsonl", "\n\n")
    assert error(empty) == f"{empty}: no charge lines"
    latin = write(tmp_path, "latin.csv", "note,code\nop\xe9,22513\n".encode("latin-1"))
    assert error(latin) == f"{latin}:2: not UTF-8 text (save the file as UTF-8)"
    missing = tmp_path / "none.csv"
    assert error(missing) == f"{missing}: cannot read the charges file (No such file or directory)"
