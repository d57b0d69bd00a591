"""Prior authorization (CMS WISeR) and the sacroplasty coverage note, from prior_auth.json.

Each condition of the flag is tested alone against the shipped table, then moved in a copy of the
table, so a condition the code hard-wired instead of reading would fail here.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from vertcode.claims import tables
from vertcode.claims.payer import coverage, prior_auth

CLAIMS = Path(__file__).resolve().parent.parent / "patterns" / "claims"
DOS = datetime.date(2026, 3, 2)


def wiser_changed(tmp_path: Path, change) -> tables.ClaimTables:
    folder = tmp_path / "claims"
    shutil.copytree(CLAIMS, folder)
    path = folder / "prior_auth.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["programs"][0])
    path.write_text(json.dumps(data), encoding="utf-8")
    return tables.load(folder)


def flags(codes=("22513", "22515"), *, dos=DOS, payer="medicare", state="TX", setting="ASC", table=None):
    return prior_auth(list(codes), dos=dos, payer=payer, state=state, setting=setting, tables=table or tables.load())


def flagged(**given) -> bool:
    found = flags(**given)
    assert all(f.kind == "prior-auth-required" for f in found) and len(found) <= 1
    return bool(found)


def test_traditional_medicare_in_a_wiser_state_is_asked_for_a_prior_authorization():
    (flag,) = flags()
    assert flag.kind == "prior-auth-required" and flag.evidence == []
    assert flag.message == (
        "Wasteful and Inappropriate Service Reduction (WISeR) Model, CMS Innovation Center (wiser): 22513 and "
        "22515 furnished in TX (Novitas JH, participant Cohere Health) for Original Medicare on 2026-03-02; the "
        "program requires prior authorization for dates of service 2026-01-15 to 2031-12-31 in NJ, OH, OK, TX, "
        "AZ and WA. Setting: ambulatory surgical center (POS 24). Ask whether a prior authorization "
        "(affirmation) number exists; without one the claim goes to pre-payment review. The program's code "
        "list (22510, 22511, 22512, 22513, 22514 and 22515) is not confirmed from the CMS operational guide "
        "(source: cohere-texas-pal)."
    )


@pytest.mark.parametrize(
    ("payer", "expected"),
    [
        ("medicare", True),
        ("Medicare", True),
        (" MEDICARE ", True),
        ("Original Medicare", True),
        ("Medicare Advantage", False),
        ("medicare advantage", False),
        ("Aetna", False),
        (None, False),
    ],
)
def test_only_traditional_medicare_is_in_the_model(payer, expected):
    assert flagged(payer=payer) is expected


@pytest.mark.parametrize("state", ["NJ", "OH", "OK", "TX", "AZ", "WA", "tx", " wa "])
def test_each_of_the_six_states_is_in_the_model(state):
    assert flagged(state=state)


@pytest.mark.parametrize("state", ["CA", "NY", None, ""])
def test_another_state_or_none_gives_no_flag(state):
    assert not flagged(state=state)


@pytest.mark.parametrize(
    ("dos", "expected"),
    [
        (datetime.date(2026, 1, 14), False),
        (datetime.date(2026, 1, 15), True),
        (datetime.date(2031, 12, 31), True),
        (datetime.date(2032, 1, 1), False),
        (datetime.date(2025, 6, 1), False),
    ],
)
def test_the_date_of_service_must_be_in_the_models_range(dos, expected):
    assert flagged(dos=dos) is expected


def test_an_unknown_date_of_service_is_flagged_with_the_rule_assumed_in_force():
    (flag,) = flags(dos=None)
    assert "for Original Medicare on a date of service that was not known, so the program was assumed in force;" in (
        flag.message
    )


@pytest.mark.parametrize("setting", ["inpatient", "Inpatient", "hospital inpatient", "emergency", "ED", "ER"])
def test_inpatient_and_emergency_settings_are_excluded(setting):
    assert not flagged(setting=setting)


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("office", "Setting: physician office (POS 11)."),
        ("POS 11", "Setting: physician office (POS 11)."),
        ("11", "Setting: physician office (POS 11)."),
        ("home", "Setting: beneficiary's home (POS 12)."),
        ("HOPD", "Setting: hospital outpatient department (TOB 13X)."),
        ("outpatient", "Setting: hospital outpatient department (TOB 13X)."),
        ("tob 13x", "Setting: hospital outpatient department (TOB 13X)."),
        ("ambulatory surgical center", "Setting: ambulatory surgical center (POS 24)."),
        (
            None,
            "The setting was not given: an outpatient setting was assumed (covered: hospital outpatient "
            "department, ambulatory surgical center, physician office and beneficiary's home).",
        ),
    ],
)
def test_an_included_or_unknown_setting_is_flagged_and_said(setting, said):
    (flag,) = flags(setting=setting)
    assert said in flag.message


def test_a_setting_the_table_does_not_name_is_flagged_for_a_coder_to_check():
    (flag,) = flags(setting="skilled nursing facility")
    assert "The setting 'skilled nursing facility' is not one the table names, so the flag is given" in flag.message


@pytest.mark.parametrize(
    ("codes", "named"),
    [
        (["0200T"], None),
        (["0201T", "77012"], None),
        (["22899"], None),
        (["22511", "0201T"], "22511 furnished"),
        (["22510", "22512", "22512"], "22510 and 22512 furnished"),
    ],
)
def test_only_the_programs_codes_are_flagged_and_named(codes, named):
    found = flags(codes=codes)
    assert [f.kind for f in found] == ([] if named is None else ["prior-auth-required"])
    assert named is None or f": {named} in TX" in found[0].message


def test_the_program_is_data_its_states_dates_codes_and_exclusions_move_with_the_table(tmp_path):
    def change(program):
        program["states"].append({"state": "CA", "mac": "Noridian", "jurisdiction": "JE", "participant": None})
        program["effective"]["dates_of_service_from"] = "2026-04-01"
        program["codes"] = ["22510", "22511", "22512", "22513", "22514", "22515", "0200T"]
        program["codes_confirmed"] = True
        program["settings"]["excluded"].remove("inpatient-only services")

    t = wiser_changed(tmp_path, change)
    assert not flagged(state="CA", table=t)
    (flag,) = flags(codes=["0200T"], state="CA", dos=datetime.date(2026, 4, 1), table=t)
    assert "0200T furnished in CA (Noridian JE)" in flag.message and "not confirmed" not in flag.message
    assert (
        "The setting 'inpatient' is not one the table names"
        in flags(setting="inpatient", dos=datetime.date(2026, 4, 1), table=t)[0].message
    )


def test_sacroplasty_gets_a_coverage_review_from_the_coverage_note():
    edits = coverage(["0201T", "20225", "0201T"], tables=tables.load())
    assert [(e.kind, e.code, e.rule, e.severity) for e in edits] == [
        ("coverage", "0201T", "coverage-0200T-0201T", "review")
    ]
    (edit,) = edits
    assert edit.source == ["cms-rac-0139", "bcbst-sacroplasty", "credence-mp004", "bcbsa-6.01.25", "evicore-cmm607"]
    assert edit.message.startswith(
        "0201T: Percutaneous sacral augmentation (sacroplasty), CPT Category III (emerging technology) codes. "
        "Medicare: no national coverage determination found;"
    )
    assert "BlueCross BlueShield of Tennessee: investigational for all indications;" in edit.message
    assert "eviCore CMM-607: excluded / not medically necessary (not confirmed)." in edit.message
    assert edit.message.endswith("flag for benefits verification rather than prior authorization.")


@pytest.mark.parametrize(
    ("codes", "expected"),
    [(["0200T"], ["0200T"]), (["0200T", "0201T"], ["0200T", "0201T"]), (["22513", "22515"], []), ([], [])],
)
def test_the_coverage_note_applies_to_its_codes_only(codes, expected):
    assert [e.code for e in coverage(codes, tables=tables.load())] == expected
