"""The claim options of `code` and `batch`: --dos, --payer/--state/--setting, --charges."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from vertcode.cli import app

from conftest import NOTES

SEED4 = str(NOTES / "seed-04.txt")
runner = CliRunner()


def claim_json(*args: str) -> dict:
    result = runner.invoke(app, ["code", SEED4, "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[0]


def test_prior_authorization_for_traditional_medicare_in_a_wiser_state():
    data = claim_json("--payer", "medicare", "--state", "tx", "--dos", "2026-03-01")
    (flag,) = [f for f in data["flags"] if f["kind"] == "prior-auth-required"]
    assert "22513 and 22515 furnished in TX" in flag["message"]
    assert "2026-01-15 to 2031-12-31" in flag["message"]
    assert data["disposition"] == "review"
    assert data["claim"]["dos"] == "2026-03-01"


def test_no_prior_authorization_before_the_model_or_elsewhere_or_inpatient():
    for args in (
        ("--payer", "medicare", "--state", "TX", "--dos", "2026-01-14"),
        ("--payer", "medicare", "--state", "CA", "--dos", "2026-03-01"),
        ("--payer", "medicare advantage", "--state", "TX", "--dos", "2026-03-01"),
        ("--payer", "medicare", "--state", "TX", "--dos", "2026-03-01", "--setting", "inpatient"),
    ):
        assert "prior-auth-required" not in [f["kind"] for f in claim_json(*args)["flags"]], args


def test_without_a_payer_nothing_is_flagged_for_it():
    assert [f["kind"] for f in claim_json()["flags"]] == ["cross-region-primary"]


def test_charges_built_elsewhere_are_checked_against_the_edit_tables(tmp_path):
    charges = tmp_path / "charges.csv"
    charges.write_text(
        "note,code,units,modifiers,levels\nseed-04.txt,22513,1,,T7\nseed-04.txt,77003,1,,\nseed-04.txt,22515,2,,L3;L4\n"
    )
    data = claim_json("--charges", str(charges))
    claim = data["claim"]
    assert claim["status"] == "edit"
    bundled = [e for e in claim["edits"] if e["kind"] == "bundled"]
    assert [(e["code"], e["rule"], e["severity"]) for e in bundled] == [("77003", "imaging-guidance", "edit")]


def test_suggested_lines_break_no_edit():
    claim = claim_json()["claim"]
    assert not [e for e in claim["edits"] if e["severity"] == "edit"]
    assert [e["kind"] for e in claim["edits"]] == ["mue-unconfirmed"]  # 22515 x2: its MUE is not confirmed


def test_bad_claim_options_are_clear_errors_before_any_coding(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("note,code,units\nseed-04.txt,22513,x\n")
    for args, message in (
        (("--dos", "2026-13-01"), "vertcode: --dos '2026-13-01' is not a date; write it YYYY-MM-DD"),
        (("--state", "Texas"), "vertcode: --state 'Texas' is not the two-letter postal code of a state (TX, OH, ...)"),
        (("--charges", str(bad)), f"vertcode: {bad}:2: units 'x' is not a positive whole number"),
    ):
        result = runner.invoke(app, ["code", SEED4, *args])
        assert result.exit_code == 2, args
        assert result.stderr.strip() == message
        assert "Traceback" not in result.output


def test_batch_takes_the_claim_options(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "seed-04.txt").write_bytes((NOTES / "seed-04.txt").read_bytes())
    out = tmp_path / "out.jsonl"
    args = [
        "batch",
        str(notes),
        "--out",
        str(out),
        "-j",
        "1",
        "--payer",
        "medicare",
        "--state",
        "OH",
        "--dos",
        "2026-02-02",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (data,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert "prior-auth-required" in [f["kind"] for f in data["flags"]]
    assert data["claim"]["dos"] == "2026-02-02"


def test_a_table_gives_payer_state_and_date_row_by_row(tmp_path):
    import csv

    text = (NOTES / "seed-04.txt").read_text()
    table = tmp_path / "notes.csv"
    with table.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "payer", "state", "dos"])
        writer.writerow(["a", text, "medicare", "tx", "2026-03-01"])
        writer.writerow(["b", text, "medicare", "CA", "2026-03-01"])
        writer.writerow(["c", text, "medicare", "TX", "March 1st"])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["batch", str(table), "--out", str(out), "-j", "1"])
    a, b, c = (json.loads(line) for line in out.read_text().splitlines())
    assert "prior-auth-required" in [f["kind"] for f in a["flags"]] and a["claim"]["dos"] == "2026-03-01"
    assert "prior-auth-required" not in [f["kind"] for f in b["flags"]]
    assert c["errors"] == ["column dos: 'March 1st' is not a date; write it YYYY-MM-DD"]
    assert result.exit_code == 1, result.output
