"""Issue 7: the corpus on local Spark gives exactly the code lines of `vertcode batch`."""

import json

import pytest

from vertcode.run.batch import run_batch
from vertcode.run.evaluate import load_gold, sources

from conftest import CORPUS

pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from vertcode.run.spark import session

    active = session("local[2]", "vertcode-tests")
    yield active
    active.stop()


@pytest.fixture(scope="module")
def corpus_frame(spark, tmp_path_factory):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vertcode.read.files import read_notes

    notes = sources(CORPUS, load_gold(CORPUS))
    rows = {"id": list(range(len(notes))), "text": [read_notes(s)[0].text for s in notes]}
    path = tmp_path_factory.mktemp("spark") / "notes.parquet"
    pq.write_table(pa.table(rows), path)
    return notes, path


def test_spark_code_lines_equal_batch(spark, corpus_frame, coder, tmp_path):
    from vertcode.run.spark import code_lines

    notes, path = corpus_frame
    out = tmp_path / "batch.jsonl"
    run_batch(notes, out, lambda: coder, jobs=1)
    expected = sorted(
        (
            i,
            line["code"],
            line["units"],
            tuple(line["levels"]),
            tuple(line["modifiers"]),
            line["review"],
            tuple(line["review_reasons"]),
            tuple((e["start"], e["end"], e["text"], e["label"]) for e in line["evidence"]),
        )
        for i, text in enumerate(out.read_text().splitlines())
        for line in json.loads(text)["codes"]
    )
    got = sorted(
        (
            row.id,
            row.code,
            row.units,
            tuple(row.levels),
            tuple(row.modifiers),
            row.review,
            tuple(row.review_reasons),
            tuple((e.start, e.end, e.text, e.label) for e in row.evidence),
        )
        for row in code_lines(spark.read.parquet(str(path))).collect()
    )
    assert got == expected and len(got) > 250


def test_spark_flags_report_notes_without_text(spark):
    from vertcode.run.spark import flag_lines

    frame = spark.createDataFrame(
        [("n1", "Balloon kyphoplasty T12 with bone tamps."), ("n2", None)], "id string, text string"
    )
    rows = sorted((r.id, r.kind, r.message) for r in flag_lines(frame).collect())
    assert rows[0][:2] == ("n1", "cement-not-documented")
    assert rows[1] == ("n2", "error", "no text in this row")


def test_spark_command_codes_a_parquet_file(tmp_path):
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    from conftest import NOTES

    notes = tmp_path / "notes.parquet"
    pq.write_table(pa.table({"note_id": [11, 12], "note_text": [(NOTES / "seed-04.txt").read_text(), "x"]}), notes)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "vertcode",
            "spark",
            str(notes),
            str(tmp_path / "out"),
            "--master",
            "local[2]",
            "--id-column",
            "note_id",
            "--text-column",
            "note_text",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    codes = pq.read_table(tmp_path / "out" / "codes").to_pylist()
    assert sorted((r["note_id"], r["code"], r["units"]) for r in codes) == [(11, "22513", 1), (11, "22515", 2)]
    assert "2 notes" in done.stderr
