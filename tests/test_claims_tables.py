"""The claim tables of issue 16 (patterns/claims/) are data before any code reads them: each row
names a source its file describes, each payer rule has its effective dates, and a value not
confirmed from a CMS or CDC file says so instead of posing as one."""

import json
import re
from pathlib import Path

import pytest

CLAIMS = Path(__file__).resolve().parent.parent / "patterns" / "claims"
ICD10 = re.compile(r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?")
CPT = re.compile(r"\d{4}[0-9T]")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _json(name: str) -> dict:
    return json.loads((CLAIMS / name).read_text(encoding="utf-8"))


def test_every_icd10_row_is_a_well_formed_code_from_a_named_source():
    header, *rows = [json.loads(line) for line in (CLAIMS / "icd10.jsonl").read_text().splitlines() if line.strip()]
    sources = set(header["source"])
    assert len(rows) > 700
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes)), "a code is listed twice"
    for row in rows:
        assert ICD10.fullmatch(row["code"]), row["code"]
        assert row["description"] and row["category"], row["code"]
        assert row["source"] in sources, row["code"]
        assert isinstance(row["confirmed"], bool), row["code"]
    # The codes issue 16 names, each as the tabular list spells it.
    by_code = {row["code"]: row for row in rows}
    for code in ("M80.08XA", "M80.88XA", "M48.52XA", "M48.58XA", "M84.58XA", "C79.51", "D18.09", "S32.010A"):
        assert by_code[code]["confirmed"], code
    assert by_code["M80.08XA"]["description"].startswith("Age-related osteoporosis with current pathological fracture")


@pytest.mark.parametrize("name", ["lcd.json", "edits.json", "prior_auth.json"])
def test_each_table_names_its_sources_and_the_day_it_was_read(name):
    table = _json(name)
    assert table["source"], name
    assert DATE.fullmatch(table["as_of"]), name


def test_an_mue_value_is_either_confirmed_with_its_dates_or_left_empty():
    rows = _json("edits.json")["mue"]["rows"]
    assert {row["code"] for row in rows} >= {"22510", "22511", "22512", "22513", "22514", "22515", "0200T", "0201T"}
    for row in rows:
        assert CPT.fullmatch(row["code"]), row["code"]
        if row["confirmed"]:
            assert isinstance(row["value"], int) and row["value"] >= 1, row["code"]
            assert DATE.fullmatch(row["effective"]["from"]), row["code"]
        else:
            assert row["value"] is None, f"{row['code']}: an unconfirmed MUE must not carry a value an edit would use"


def test_the_wiser_program_has_its_codes_states_and_dates():
    wiser = next(p for p in _json("prior_auth.json")["programs"] if p["id"] == "wiser")
    assert wiser["codes"] == ["22510", "22511", "22512", "22513", "22514", "22515"]
    assert {s["state"] for s in wiser["states"]} == {"NJ", "OH", "OK", "TX", "AZ", "WA"}
    assert wiser["effective"]["dates_of_service_from"] == "2026-01-15"


def test_every_lcd_element_names_policies_the_table_describes():
    lcd = _json("lcd.json")
    described = {p["id"] for p in lcd["policies"]}
    assert {"L33569", "L34228", "L35130", "L38737"} <= described
    for element in lcd["elements"]:
        assert element["id"] and element["requirement"], element
        assert set(element["policies"]) <= described, element["id"]
