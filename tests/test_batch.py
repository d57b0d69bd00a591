"""Batch coding: the same bytes whatever the number of processes, and nothing half-written."""

import json

import pytest

from vertcode.read.text import NoteSource
from vertcode.run.batch import Interrupted, run_batch
from vertcode.run.evaluate import load_gold, sources

from conftest import CORPUS


@pytest.fixture(scope="module")
def corpus_sources():
    return sources(CORPUS, load_gold(CORPUS))


def test_parallel_output_is_identical_to_single_process(tmp_path, corpus_sources, coder):
    single, parallel = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first = run_batch(corpus_sources, single, lambda: coder, jobs=1)
    second = run_batch(corpus_sources, parallel, lambda: coder, jobs=2)
    assert single.read_bytes() == parallel.read_bytes()
    assert (first.notes, first.codes, first.flags) == (second.notes, second.codes, second.flags)
    assert [json.loads(line)["note"] for line in single.read_text().splitlines()] == [s.name for s in corpus_sources]


def test_a_failing_note_is_counted_and_named(tmp_path, coder):
    good = tmp_path / "good.txt"
    good.write_text("Vertebroplasty at T5 with cement.")
    summary = run_batch(
        [NoteSource("missing.txt", tmp_path / "missing.txt"), NoteSource(str(good), good)],
        tmp_path / "out.jsonl",
        lambda: coder,
    )
    assert (summary.notes, summary.codes, summary.errors) == (2, 1, 1)
    assert summary.failed == [("missing.txt", "no such file")]


def test_interrupted_batch_leaves_no_output(tmp_path, coder, monkeypatch):
    out = tmp_path / "out.jsonl"
    note = tmp_path / "n.txt"
    note.write_text("Vertebroplasty at T5 with cement.")

    def interrupted(coded):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match=r"interrupted: 1 notes are safe in .*out\.jsonl\.part"):
        run_batch([NoteSource(str(note), note)] * 3, out, lambda: coder, on_result=interrupted)
    assert not out.exists()
    assert [json.loads(x)["note"] for x in (tmp_path / "out.jsonl.part").read_text().splitlines()] == [str(note)]
