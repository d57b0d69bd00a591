"""Issue 5: whatever arrives, every readable note is coded, every other one reported, nothing lost."""

import codecs
import json
import os
import signal
import subprocess
import time
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.read.text import Note, NoteError, decode

from conftest import NOTES, VERTCODE

SEED = (NOTES / "seed-04.txt").read_text()
CORPUS_TEXTS = [p.read_bytes().decode("utf-8-sig", errors="replace") for p in sorted(NOTES.glob("*.txt"))]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_result(result, text):
    """The invariants of every answer: no error, exact offsets, valid JSON."""
    assert result.errors == []
    for ev in (
        [e for c in result.codes for e in c.evidence]
        + [e for f in result.findings for e in f.evidence]
        + [e for f in result.flags for e in f.evidence]
    ):
        assert text[ev.start : ev.end] == ev.text
    json.loads(json.dumps(result.to_dict()))


@PROPERTY
@given(st.text())
def test_any_text_is_coded_without_error(coder, text):
    check_result(coder.code_text(text), text)


@PROPERTY
@given(st.binary(max_size=3000))
def test_any_bytes_are_read_or_reported(coder, data):
    try:
        text = decode(data, "n.txt")
    except NoteError as exc:
        assert exc.name == "n.txt" and exc.reason
        return
    check_result(coder.code_text(text), text)


@st.composite
def mutated_notes(draw):
    text = draw(st.sampled_from(CORPUS_TEXTS))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        choice = draw(st.sampled_from(["cut", "insert", "upper", "newline", "crlf"]))
        if choice == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif choice == "insert":
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
        elif choice == "upper":
            text = text[:at] + text[at : at + 80].upper() + text[at + 80 :]
        elif choice == "newline":
            text = text[:at] + "\n" + text[at:]
        else:
            text = text.replace("\n", "\r\n")
    return text


@PROPERTY
@given(mutated_notes())
def test_mutated_corpus_notes_are_coded_without_error(coder, text):
    check_result(coder.code_text(text), text)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(["json", "jsonl", "csv", "table"]))
def test_the_command_line_answers_any_input(coder, data, fmt):
    with mock.patch("vertcode.cli._coder", return_value=coder):
        result = CliRunner().invoke(app, ["code", "-", "--format", fmt], input=data)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if fmt == "json":
        json.loads(result.stdout)


def test_a_folder_of_bad_files_beside_good_notes(tmp_path):
    notes = tmp_path / "export"
    (notes / "deep" / "er").mkdir(parents=True)
    good = {
        "utf8.txt": SEED.encode("utf-8"),
        "bom.txt": codecs.BOM_UTF8 + SEED.encode("utf-8"),
        "utf16.txt": SEED.encode("utf-16"),
        "cp1252.txt": SEED.replace("Cement", "Cément").encode("cp1252"),
        "crlf.txt": SEED.replace("\n", "\r\n").encode("utf-8"),
        "deep/er/nested.txt": SEED.encode("utf-8"),
    }
    for name, data in good.items():
        (notes / name).write_bytes(data)
    (notes / "empty.txt").write_bytes(b"")
    (notes / "blank.txt").write_bytes(b"  \n\t\n")
    (notes / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02\x03 binary stream")
    (notes / "huge.txt").write_bytes(b"log line\n" * 400)
    (notes / "dangling.txt").symlink_to(notes / "nowhere.txt")
    (notes / "loop-a.txt").symlink_to(notes / "loop-b.txt")
    (notes / "loop-b.txt").symlink_to(notes / "loop-a.txt")
    (notes / "folder.txt").mkdir()
    (notes / "deep" / "up").symlink_to(notes)  # a directory loop must not be followed

    out = tmp_path / "out.jsonl"
    run = CliRunner().invoke(app, ["batch", str(notes), "--out", str(out), "--max-bytes", "3000", "--jobs", "1"])
    assert run.exit_code == 1
    lines = {json.loads(x)["note"].replace(str(notes) + "/", ""): json.loads(x) for x in out.read_text().splitlines()}
    for name in good:
        assert [c["code"] for c in lines[name]["codes"]] == ["22513", "22515"], name
        assert lines[name]["errors"] == []
    for name in ("empty.txt", "blank.txt"):
        assert lines[name]["errors"] == [] and [f["kind"] for f in lines[name]["flags"]] == ["empty-note"]
    assert lines["scan.txt"]["errors"] == ["not a readable PDF"]  # read by its content
    assert lines["huge.txt"]["errors"] == ["3,600 bytes is over the 3,000-byte limit for one note"]
    assert lines["dangling.txt"]["errors"] == ["dangling symbolic link"]
    assert lines["loop-a.txt"]["errors"] == ["Too many levels of symbolic links"]
    assert lines["folder.txt"]["errors"] == ["is a directory, not a note"]
    assert len(lines) == len(good) + 8
    for name in ("scan.txt", "huge.txt", "dangling.txt", "loop-a.txt", "loop-b.txt", "folder.txt"):
        assert f"{notes}/{name}: " in run.stderr
    assert f"{len(lines)} notes, 12 code lines" in run.stderr and "6 errors" in run.stderr
    assert SEED[:40] not in run.stderr, "messages never quote a note"


def _batch(*args):
    return [*VERTCODE, "batch", *args]


def test_a_killed_batch_resumes_with_nothing_lost_or_doubled(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(240):
        (notes / f"n{i:03d}.txt").write_text(CORPUS_TEXTS[i % len(CORPUS_TEXTS)])
    fresh = tmp_path / "fresh.jsonl"
    subprocess.run(_batch(str(notes), "--out", str(fresh), "--jobs", "1"), check=True, capture_output=True)

    out = tmp_path / "out.jsonl"
    part = tmp_path / "out.jsonl.part"
    process = subprocess.Popen(
        _batch(str(notes), "--out", str(out), "--jobs", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not part.exists() or part.read_text().count("\n") < 40):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not out.exists() and part.exists()
    written = part.read_text().count("\n")
    assert 40 <= written < 240

    done = subprocess.run(_batch(str(notes), "--out", str(out), "--resume"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not part.exists()
    assert out.read_bytes() == fresh.read_bytes()
    assert "240 notes" in done.stderr


def test_notes_read_together_get_what_each_gets_alone_and_keep_their_own_failure(coder, monkeypatch):
    # Coder.code_notes runs the pipeline component by component over a group of notes: the
    # results are those of coding each alone, and a component failing on one note fails only it.
    texts = [path.read_text(encoding="utf-8") for path in sorted(NOTES.glob("*.txt"))[:40]]
    notes = [Note(f"n{i}", text, str(i)) for i, text in enumerate(texts)]
    alone = [coder.code_note(note).to_dict() for note in notes]
    assert [r.to_dict() for r in coder.code_notes(notes)] == alone
    findings = coder.nlp.get_pipe("vertcode_findings")
    read = type(findings).__call__

    def fails_on_the_fifth(self, doc):
        if doc.text == texts[4]:
            raise RuntimeError("broken")
        return read(self, doc)

    monkeypatch.setattr(type(findings), "__call__", fails_on_the_fifth)
    together = [r.to_dict() for r in coder.code_notes(notes)]
    assert together[4]["errors"] == ["internal error while coding: RuntimeError (run with --verbose for the detail)"]
    assert together[4]["codes"] == [] and together[:4] + together[5:] == alone[:4] + alone[5:]
