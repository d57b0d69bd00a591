"""The command line as a user runs it: formats, standard input, folders, errors, exit codes."""

import csv
import hashlib
import io
import json
import subprocess

from typer.testing import CliRunner

from vertcode.cli import app

from conftest import NOTES, ROOT, VERTCODE

runner = CliRunner()
SEED4 = str(NOTES / "seed-04.txt")


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_code_json_is_the_contract():
    result = invoke("code", SEED4, "--format", "json")
    assert result.exit_code == 0, result.output
    (data,) = json.loads(result.stdout)
    assert list(data) == [
        "schema",
        "note",
        "disposition",
        "codes",
        "findings",
        "flags",
        "errors",
        "sha256",
        "claim",
        "extractor",
        "producer",
    ]
    # Levels in two regions: the primary is a choice a coder confirms.
    assert data["disposition"] == "review"
    assert [f["kind"] for f in data["flags"]] == ["cross-region-primary"]
    assert data["extractor"] == "text"
    assert data["sha256"] == hashlib.sha256((NOTES / "seed-04.txt").read_bytes()).hexdigest()
    assert data["note"] == SEED4
    assert [(c["code"], c["units"], c["levels"]) for c in data["codes"]] == [
        ("22513", 1, ["T7"]),
        ("22515", 2, ["L3", "L4"]),
    ]
    line = data["codes"][0]
    assert set(line) == {
        "code",
        "units",
        "levels",
        "description",
        "rationale",
        "modifiers",
        "review",
        "review_reasons",
        "evidence",
    }
    assert (line["review"], line["review_reasons"]) == (True, ["cross-region-primary"])
    text = (NOTES / "seed-04.txt").read_text()
    for ev in line["evidence"]:
        assert set(ev) == {"start", "end", "text", "label"}
        assert text[ev["start"] : ev["end"]] == ev["text"]
    assert [f["kind"] for f in data["flags"]] == ["cross-region-primary"]
    assert data["errors"] == []


def test_code_several_notes_json_is_a_list_and_jsonl_a_line_each():
    notes = [str(NOTES / f"seed-0{i}.txt") for i in (1, 2)]
    listed = json.loads(invoke("code", *notes, "-f", "json").stdout)
    assert [d["note"] for d in listed] == notes
    lines = invoke("code", *notes, "-f", "jsonl").stdout.splitlines()
    assert [json.loads(x)["codes"][0]["code"] for x in lines] == ["22510", "22511"]


def test_code_csv_has_a_row_per_code_line():
    rows = list(csv.DictReader(io.StringIO(invoke("code", SEED4, "-f", "csv").stdout)))
    assert [(r["row"], r["code"], r["units"], r["levels"]) for r in rows if r["row"] in ("code", "flag")] == [
        ("code", "22513", "1", "T7"),
        ("code", "22515", "2", "L3;L4"),
        ("flag", "", "", ""),
    ]
    # Its fractures have no cause written: the claim asks, in a row of its own.
    assert [(r["flag"], r["levels"]) for r in rows if r["row"] == "query"] == [("fracture-etiology", "T7;L3;L4")]


def test_code_table_shows_codes_evidence_and_flags():
    out = invoke("code", SEED4).stdout
    assert "22513" in out and "22515" in out and "'curette'@126" in out
    assert "cross-region-primary" in out


def test_code_reads_standard_input():
    result = invoke("code", "-", "-f", "json", input="Balloon kyphoplasty at L1 with cement.")
    (data,) = json.loads(result.stdout)
    assert data["note"] == "-"
    assert [c["code"] for c in data["codes"]] == ["22514"]


def test_missing_file_is_reported_and_the_others_still_coded():
    result = invoke("code", "no-such-note.txt", SEED4, "-f", "jsonl")
    assert result.exit_code == 1
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first == {
        "schema": "vertcode/result/3",
        "note": "no-such-note.txt",
        "disposition": "review",
        "codes": [],
        "findings": [],
        "flags": [],
        "errors": ["no such file"],
        "sha256": None,
        "producer": second["producer"],
    }
    assert second["codes"][0]["code"] == "22513"
    assert "vertcode: no-such-note.txt: no such file" in result.stderr
    assert "Traceback" not in result.output


def test_binary_file_is_an_error_naming_the_file(tmp_path):
    image = tmp_path / "photo.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = invoke("code", str(image), "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["errors"] == ["binary file (contains NUL bytes), not a text note"]
    assert f"{image}: binary file" in result.stderr


def test_batch_codes_a_folder_recursively_and_summarises(tmp_path):
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "a.txt").write_text((NOTES / "seed-01.txt").read_text())
    (notes / "sub" / "b.txt").write_text((NOTES / "seed-04.txt").read_text())
    (notes / "sub" / "bad.txt").write_bytes(b"\x00\x01binary")
    (notes / "ignored.md").write_text("Vertebroplasty T5 with cement.")
    out = tmp_path / "out" / "result.jsonl"
    result = invoke("batch", str(notes), "--out", str(out))
    assert result.exit_code == 1
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(d["note"].replace(str(notes), ""), [c["code"] for c in d["codes"]], bool(d["errors"])) for d in lines] == [
        ("/a.txt", ["22510"], False),
        ("/sub/b.txt", ["22513", "22515"], False),
        ("/sub/bad.txt", [], True),
    ]
    assert "3 notes, 3 code lines, 1 flags, 1 errors" in result.stderr
    assert not list(out.parent.glob("*.part")), "no temporary file left behind"


def test_batch_all_good_exits_zero(tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "a.txt").write_text("Vertebroplasty T5 with cement.")
    result = invoke("batch", str(notes), "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 0
    assert "1 notes, 1 code lines, 0 flags, 0 errors" in result.stderr


def test_batch_on_a_missing_folder_is_a_usage_error(tmp_path):
    result = invoke("batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2
    assert "not a folder" in result.stderr


def test_eval_reports_exact_match_and_lists_differences(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "notes").mkdir(parents=True)
    for name in ("seed-01.txt", "seed-04.txt"):
        (corpus / "notes" / name).write_text((NOTES / name).read_text())
    (corpus / "gold.jsonl").write_text(
        '{"note": "seed-01.txt", "codes": {"22510": 1}}\n{"note": "seed-04.txt", "codes": {"22512": 1, "22515": 2}}\n'
    )
    result = invoke("eval", str(corpus))
    assert result.exit_code == 0
    assert "exact match: 1/2 notes (50.0%)" in result.stdout
    assert (
        "seed-04.txt: expected {22512 x1, 22515 x2}, got {22513 x1, 22515 x2}  [false positive: 22513]" in result.stdout
    )
    report = json.loads(invoke("eval", str(corpus), "--json").stdout)
    assert report["exact"] == 1
    assert report["codes"]["22513"] == {"tp": 0, "fp": 1, "fn": 0, "precision": 0.0, "recall": None}
    assert report["codes"]["22510"]["precision"] == 1.0


def test_eval_bad_gold_is_a_clear_usage_error(tmp_path):
    (tmp_path / "gold.jsonl").write_text('{"note": "a.txt", "codes": {"22510": "one"}}\n')
    result = invoke("eval", str(tmp_path))
    assert result.exit_code == 2
    assert 'gold.jsonl:1: "codes" must map each code to a positive whole number of units' in result.stderr


def test_broken_patterns_file_is_a_clear_error(tmp_path):
    import shutil

    patterns = tmp_path / "patterns"
    shutil.copytree(ROOT / "patterns", patterns)
    with (patterns / "terms.jsonl").open("a") as f:
        f.write('{"label": "DEVCE", "id": "balloon", "phrase": "balloon"}\n')
    result = invoke("code", SEED4, "--patterns", str(patterns))
    assert result.exit_code == 2
    assert "terms.jsonl:" in result.stderr and "unknown label 'DEVCE'" in result.stderr


def test_console_script_runs_as_installed():
    done = subprocess.run([*VERTCODE, "code", SEED4, "-f", "jsonl"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["codes"][0]["code"] == "22513"
    assert done.stderr == ""


def test_eval_counts_silent_errors_and_the_auto_rate(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "right.txt").write_text("Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n")
    (tmp_path / "notes" / "flagged.txt").write_text("Vertebroplasty T12 and L1 with 3 mL PMMA each through needles.\n")
    # The gold says L4: vertebroplasty at T7 coded 22510 and marked auto is a silent error.
    (tmp_path / "notes" / "silent.txt").write_text("Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n")
    (tmp_path / "gold.jsonl").write_text(
        '{"note": "right.txt", "codes": {"22510": 1}}\n'
        '{"note": "flagged.txt", "codes": {"22511": 1, "22512": 1}}\n'
        '{"note": "silent.txt", "codes": {"22511": 1}}\n'
    )
    report = json.loads(invoke("eval", str(tmp_path), "--json").stdout)
    assert (report["exact"], report["silent_errors"], report["auto"]) == (1, 1, 2)
    assert report["auto_precision"] == 0.5
    assert [d["note"] for d in report["differences"]] == ["silent.txt", "flagged.txt"]
    text = invoke("eval", str(tmp_path)).stdout
    assert "silent errors: 1 (wrong and marked auto)" in text
    assert "silent.txt: expected {22511 x1}, got {22510 x1}  [SILENT: marked auto]" in text


def test_the_table_and_csv_say_the_disposition_and_its_reasons():
    table = invoke("code", SEED4).stdout
    assert "review: cross-region-primary" in table.splitlines()[0]
    rows = list(csv.DictReader(io.StringIO(invoke("code", SEED4, "-f", "csv").stdout)))
    assert {(r["code"], r["disposition"], r["flags"]) for r in rows if r["row"] == "code"} == {
        ("22513", "review", "cross-region-primary"),
        ("22515", "review", "cross-region-primary"),
    }


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "=HYPERLINK(1).txt").write_text("Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n")
    rows = list(csv.reader(io.StringIO(invoke("code", "=HYPERLINK(1).txt", "-f", "csv").stdout)))
    assert rows[1][1] == "'=HYPERLINK(1).txt" and rows[1][5] == "22510"
    rows = list(csv.reader(io.StringIO(invoke("code", "-", "-f", "csv", input="Clinic visit.").stdout)))
    assert rows[1][1] == "'-"


def test_an_infinite_id_is_written_as_valid_json(tmp_path):
    table = tmp_path / "notes.jsonl"
    table.write_text('{"id": 1e999, "text": "Vertebroplasty T7 with 3 mL PMMA through a needle."}\n')
    out = tmp_path / "out.jsonl"
    result = invoke("batch", str(table), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["id"] == "inf"


def test_an_output_that_cannot_be_written_fails_before_any_note_is_coded(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Vertebroplasty T7 with 3 mL PMMA through a needle.\n")
    result = invoke("batch", str(notes), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert f"vertcode: {tmp_path}: is a folder; --out names the file to write" in result.stderr
    assert "notes," not in result.stderr  # nothing was coded


def test_a_file_name_with_a_newline_cannot_fake_a_line_on_the_terminal(tmp_path):
    name = tmp_path / "evil\n3 notes, 0 errors -> ok.txt"
    result = invoke("code", str(name))
    assert result.exit_code == 1
    assert "evil\\n3 notes, 0 errors -> ok.txt: no such file" in result.stderr
    assert "\n3 notes" not in result.stderr


def test_a_batch_never_reads_its_own_pages_and_results_as_notes(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("Vertebroplasty T7 with 3 mL PMMA through a needle.\n")
    (notes / "b.txt").write_text("Clinic visit, back pain.\n")
    out = notes / "results.json"  # a name that reads like a FHIR note
    for _ in range(2):
        result = invoke("batch", str(notes), "--out", str(out), "--html-dir", str(notes / "pages"))
        assert result.exit_code == 0, result.output
        assert "2 notes," in result.stderr
    assert [json.loads(line)["note"] for line in out.read_text().splitlines()] == [
        str(notes / "a.txt"),
        str(notes / "b.txt"),
    ]


def test_eval_scores_the_cement_each_code_line_cites(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "two.txt").write_text(
        "Vertebroplasty at T7 and T8 through 11-gauge needles.\n"
        "At T7, 2 mL of PMMA was injected.\n"
        "The T8 needle was flushed and 3 mL went in under fluoroscopy.\n"
    )
    (tmp_path / "gold.jsonl").write_text(
        '{"note": "two.txt", "codes": {"22510": 1, "22512": 1},'
        ' "cement": {"T7": "2 mL of PMMA was injected", "T8": "3 mL went in"}}\n'
    )
    report = json.loads(invoke("eval", str(tmp_path), "--json").stdout)
    assert report["cement_evidence"] == {"levels": 2, "cited": 1, "missed": ["two.txt T8"]}
    text = invoke("eval", str(tmp_path)).stdout
    assert "cement evidence: 1/2 coded levels cite the cement put there (missed: two.txt T8)" in text
    (tmp_path / "gold.jsonl").write_text('{"note": "two.txt", "codes": {"22510": 1}, "cement": {"T7": 5}}\n')
    bad = invoke("eval", str(tmp_path))
    assert bad.exit_code == 2 and 'gold.jsonl:1: "cement" must map each level to the phrase' in bad.stderr
