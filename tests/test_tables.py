"""Issue 7: notes read from CSV, JSON lines and Parquet tables, each result carrying its id."""

import csv
import json

import pytest
from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.read.files import read_notes
from vertcode.read.tables import TableError, read_table
from vertcode.read.text import NoteError

from conftest import NOTES

SEED4 = (NOTES / "seed-04.txt").read_text()
SEED1 = (NOTES / "seed-01.txt").read_text()


def write_csv(path, rows, header=("id", "text")):
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def test_csv_with_quoted_multiline_text_missing_text_and_numeric_ids(tmp_path):
    table = tmp_path / "notes.csv"
    write_csv(
        table,
        [(101, 'PROCEDURE:\nBalloon kyphoplasty, "T7", with curette,\ncement injected.'), (102, ""), ("A-7", SEED1)],
    )
    sources = list(read_table(table))
    assert [s.id for s in sources] == ["101", "102", "A-7"]  # CSV has no types: ids stay as written
    assert read_notes(sources[0])[0].text.startswith('PROCEDURE:\nBalloon kyphoplasty, "T7"')
    with pytest.raises(NoteError, match="^102: no text in this row$"):
        read_notes(sources[1])


def test_jsonl_keeps_id_types_and_reports_bad_lines(tmp_path):
    table = tmp_path / "notes.jsonl"
    table.write_text(
        json.dumps({"id": 7, "text": SEED1}) + "\n{not json\n" + json.dumps({"id": 8.0, "text": None}) + "\n"
    )
    first, bad, empty = read_table(table)
    assert (first.id, first.name) == (7, "7")
    with pytest.raises(NoteError, match="invalid JSON"):
        read_notes(bad)
    assert empty.id == 8
    with pytest.raises(NoteError, match="no text in this row"):
        read_notes(empty)


def test_parquet_streams_rows_with_their_types(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = tmp_path / "notes.parquet"
    pq.write_table(pa.table({"note_id": [1, 2], "body": [SEED4, None], "other": ["x", "y"]}), table)
    sources = list(read_table(table, id_column="note_id", text_column="body"))
    assert [(s.id, s.text is None) for s in sources] == [(1, False), (2, True)]


def test_missing_column_is_a_clear_error(tmp_path):
    table = tmp_path / "notes.csv"
    write_csv(table, [(1, "x")], header=("note_id", "text"))
    with pytest.raises(TableError, match=r"notes.csv: no column 'id' \(columns: note_id, text\)"):
        list(read_table(table))


def test_batch_over_a_table_writes_ids(tmp_path):
    table = tmp_path / "notes.csv"
    write_csv(table, [(1, SEED4), (2, ""), (3, SEED1)], header=("mrn_note", "body"))
    out = tmp_path / "out.jsonl"
    run = CliRunner().invoke(
        app, ["batch", str(table), "--out", str(out), "--id-column", "mrn_note", "--text-column", "body", "--jobs", "1"]
    )
    assert run.exit_code == 1  # row 2 has no text
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(d["id"], [c["code"] for c in d["codes"]], d["errors"]) for d in lines] == [
        ("1", ["22513", "22515"], []),
        ("2", [], ["no text in this row"]),
        ("3", ["22510"], []),
    ]
    assert "2: no text in this row" in run.stderr


def test_batch_on_a_table_with_a_wrong_column_is_a_usage_error(tmp_path):
    table = tmp_path / "notes.csv"
    write_csv(table, [(1, SEED4)])
    run = CliRunner().invoke(app, ["batch", str(table), "--out", str(tmp_path / "o.jsonl"), "--text-column", "body"])
    assert run.exit_code == 2 and "no column 'body'" in run.stderr
