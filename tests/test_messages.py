"""Issue 15: what a batch leaves out it says; globs match as written; Ctrl-C says how to go on;
a batch that runs without a terminal still shows it is alive."""

import json
import os
import signal
import subprocess
import time

from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.run import progress

from conftest import NOTES, VERTCODE

SEED = (NOTES / "seed-04.txt").read_text()
TEXTS = [p.read_text(encoding="utf-8-sig", errors="replace") for p in sorted(NOTES.glob("*.txt"))[:40]]


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def coded(out):
    return [os.path.basename(json.loads(line)["note"]) for line in out.read_text().splitlines()]


def test_files_left_out_are_counted_and_named_with_verbose(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("note1.doc", "note3", "note4.text", "note2.TXT"):
        (notes / name).write_text(SEED)
    out = tmp_path / "out.jsonl"
    quiet = invoke("batch", str(notes), "--out", str(out))
    assert quiet.exit_code == 0 and coded(out) == ["note2.TXT"]
    assert "vertcode: 3 files skipped, not notes by name (--verbose names them)" in quiet.stderr
    loud = invoke("batch", str(notes), "--out", str(out), "--verbose")
    assert (
        f"{notes}/note1.doc: skipped: a Word 97-2003 .doc file: vertcode reads .docx (save it as .docx)" in loud.stderr
    )
    assert (
        f"{notes}/note3: skipped: a file with no extension is not read by default (--glob includes them)" in loud.stderr
    )
    assert f"{notes}/note4.text: skipped: .text files are not read by default (--glob includes them)" in loud.stderr


def test_globs_match_as_users_write_them(tmp_path):
    notes = tmp_path / "notes"
    (notes / "sub" / "deeper").mkdir(parents=True)
    for name in ("top.txt", "sub/a.txt", "sub/b.rtf", "sub/deeper/c.txt"):
        (notes / name).write_text(SEED)
    out = tmp_path / "out.jsonl"
    assert invoke("batch", str(notes), "--out", str(out), "--glob", "**/*.txt").exit_code == 0
    assert coded(out) == ["top.txt", "a.txt", "c.txt"]
    run = invoke("batch", str(notes), "--out", str(out), "--glob", "sub/*")
    assert run.exit_code == 0 and coded(out) == ["a.txt", "b.rtf"]
    assert "2 files skipped" in run.stderr
    assert invoke("batch", str(notes), "--out", str(out), "--glob", "*.txt").exit_code == 0
    assert coded(out) == ["top.txt", "a.txt", "c.txt"]  # a bare pattern matches names at any depth


def test_nothing_to_code_is_an_error_not_a_silent_success(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out.jsonl"
    run = invoke("batch", str(empty), "--out", str(out))
    assert run.exit_code == 2
    assert run.stderr == f"vertcode: {empty}: nothing to code: no note files (.txt, .docx, .pdf ...) in it\n"
    (empty / "a.txt").write_text(SEED)
    run = invoke("batch", str(empty), "--out", str(out), "--glob", "sub/*.txt")
    assert run.exit_code == 2 and "nothing to code: no file matches --glob sub/*.txt" in run.stderr
    assert not out.exists()


def test_page_outputs_that_cannot_be_written_fail_before_coding(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text(SEED)
    taken = tmp_path / "taken"
    taken.write_text("a file where the pages should go")
    run = invoke("batch", str(notes), "--out", str(tmp_path / "out.jsonl"), "--html-dir", str(taken))
    assert run.exit_code == 2
    assert run.stderr == f"vertcode: {taken}: is a file; --html-dir needs a folder there\n"
    assert not (tmp_path / "out.jsonl").exists()
    run = invoke("explain", str(notes / "a.txt"), "--html", str(notes))
    assert run.exit_code == 2 and run.stderr == f"vertcode: {notes}: is a folder; --html names the file to write\n"
    run = invoke("explain", str(notes / "a.txt"), "--html", str(taken / "page.html"))
    assert run.exit_code == 2 and f"vertcode: {taken}: is a file; --html needs a folder there" in run.stderr


def test_a_batch_without_a_terminal_prints_progress_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 0.0)
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(5):
        (notes / f"n{i}.txt").write_text(TEXTS[i])
    run = invoke("batch", str(notes), "--out", str(tmp_path / "out.jsonl"), "--jobs", "1")
    lines = [line for line in run.stderr.splitlines() if "notes/s" in line]
    assert [line.split(" notes,")[0] for line in lines] == [f"vertcode: {i}/5" for i in range(1, 5)]
    assert all(line.endswith(" left") and ", about " in line for line in lines)


def test_ctrl_c_says_what_is_safe_and_how_to_continue(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(1500):
        (notes / f"n{i:04d}.txt").write_text(TEXTS[i % len(TEXTS)])
    command = VERTCODE
    out, part = tmp_path / "out.jsonl", tmp_path / "out.jsonl.part"
    batch = subprocess.Popen(
        [*command, "batch", str(notes), "--out", str(out), "--jobs", "2"],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal would leave it
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and (not part.exists() or part.read_text().count("\n") < 50):
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    assert batch.wait(timeout=60) == 130
    stderr = batch.stderr.read()
    assert "Traceback" not in stderr and "ForkPoolWorker" not in stderr
    (message,) = stderr.splitlines()
    safe = int(message.split("interrupted: ")[1].split()[0])
    assert safe == part.read_text().count("\n") and safe < 1500
    assert message.endswith(f"; to continue: vertcode batch {notes} --out {out} --jobs 2 --resume")
    resumed = subprocess.run(
        [*command, "batch", str(notes), "--out", str(out), "--jobs", "2", "--resume"], capture_output=True, text=True
    )
    assert resumed.returncode == 0 and f"1500 notes ({safe} kept from the earlier run)" in resumed.stderr
    assert len(coded(out)) == 1500
