"""Issue 18: two runs at once, dead workers, full disks, special files and resumes that must
give a clean run's output, byte for byte."""

import json
import os
import resource
import signal
import subprocess
import time

import pytest

from vertcode.read.files import find_notes, read_notes
from vertcode.read.text import NoteSource
from vertcode.run import pool as pool_module
from vertcode.run.batch import OutputBusy, run_batch
from vertcode.run.coder import Coder
from vertcode.run.pool import WORKER_DIED
from vertcode.write.pages import page_name

from conftest import NOTES, VERTCODE
from test_formats import hl7_message

SEED = (NOTES / "seed-04.txt").read_text()
TEXTS = [p.read_text(encoding="utf-8-sig", errors="replace") for p in sorted(NOTES.glob("*.txt"))[:40]]


def command(*args):
    return [*VERTCODE, *args]


def folder_of_notes(path, count):
    path.mkdir()
    for i in range(count):
        (path / f"n{i:03d}.txt").write_text(TEXTS[i % len(TEXTS)])
    return path


def names(out):
    return [json.loads(line)["note"] for line in out.read_text().splitlines()]


def wait_for_lines(part, count, deadline=90):
    end = time.monotonic() + deadline
    while time.monotonic() < end and (not part.exists() or part.read_text().count("\n") < count):
        time.sleep(0.05)
    assert part.exists() and part.read_text().count("\n") >= count, "the batch wrote nothing in time"


# --- two runs at once (item 3) ---


def test_a_second_batch_on_the_same_output_is_refused_and_the_first_is_intact(tmp_path):
    notes = folder_of_notes(tmp_path / "notes", 120)
    fresh = tmp_path / "fresh.jsonl"
    subprocess.run(command("batch", str(notes), "--out", str(fresh), "--jobs", "1"), check=True, capture_output=True)
    out = tmp_path / "out.jsonl"
    first = subprocess.Popen(
        command("batch", str(notes), "--out", str(out), "--jobs", "1"), stderr=subprocess.PIPE, text=True
    )
    wait_for_lines(out.with_name("out.jsonl.part"), 5)
    second = subprocess.run(command("batch", str(notes), "--out", str(out), "--resume"), capture_output=True, text=True)
    assert second.returncode == 2
    assert "another vertcode batch is writing this output now" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.wait() == 0, first.stderr.read()
    assert out.read_bytes() == fresh.read_bytes()


def test_a_locked_output_is_refused_before_any_note_is_coded(tmp_path):
    import fcntl

    out = tmp_path / "out.jsonl"
    part = tmp_path / "out.jsonl.part"
    part.write_text("held\n")
    with part.open("r+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)

        def never_built():
            raise AssertionError("the pipeline was built although the output is locked")

        with pytest.raises(OutputBusy, match="out.jsonl.part: another vertcode batch"):
            run_batch([NoteSource("a.txt", tmp_path / "a.txt")], out, never_built)
    assert part.read_text() == "held\n" and not out.exists()


# --- resume gives a clean run's output (items 10, 11, 17) ---


def test_resume_keeps_table_rows_that_share_an_id_and_text(tmp_path):
    table = tmp_path / "notes.jsonl"
    rows = [{"id": "A", "text": SEED}, {"id": "A", "text": SEED}, {"id": "B", "text": TEXTS[3]}]
    table.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out.jsonl"
    subprocess.run(command("batch", str(table), "--out", str(out)), check=True, capture_output=True)
    fresh = out.read_bytes()
    again = subprocess.run(command("batch", str(table), "--out", str(out), "--resume"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == fresh and names(out) == ["A", "A", "B"]
    assert "3 notes (3 kept from the earlier run)" in again.stderr


def test_a_changed_note_is_coded_again_in_its_place(tmp_path, coder):
    notes = folder_of_notes(tmp_path / "notes", 7)
    out = tmp_path / "out.jsonl"
    run_batch(list(find_notes(notes)), out, lambda: coder)
    (notes / "n003.txt").write_text(SEED)
    summary = run_batch(list(find_notes(notes)), out, lambda: coder, resume=True)
    clean = tmp_path / "clean.jsonl"
    run_batch(list(find_notes(notes)), clean, lambda: coder)
    assert out.read_bytes() == clean.read_bytes()
    assert summary.kept == 6


def test_resume_after_a_cut_inside_a_file_of_several_messages(tmp_path, coder):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text(TEXTS[1])
    (notes / "b.hl7").write_text("\n".join(hl7_message(f"M{i}", f"O{i}", TEXTS[i]) for i in range(2, 5)))
    (notes / "c.txt").write_text(TEXTS[5])
    clean = tmp_path / "clean.jsonl"
    run_batch(list(find_notes(notes)), clean, lambda: coder)
    assert len(names(clean)) == 5
    part = tmp_path / "out.jsonl.part"
    part.write_text("\n".join(clean.read_text().splitlines()[:3]) + "\n")  # a.txt and two of b.hl7's three
    out = tmp_path / "out.jsonl"
    summary = run_batch(list(find_notes(notes)), out, lambda: coder, resume=True)
    assert out.read_bytes() == clean.read_bytes()
    assert summary.kept == 1


def test_resume_with_a_new_page_folder_writes_every_page(tmp_path, coder):
    notes = folder_of_notes(tmp_path / "notes", 5)
    out = tmp_path / "out.jsonl"
    run_batch(list(find_notes(notes)), out, lambda: coder)
    pages = tmp_path / "pages"
    run_batch(list(find_notes(notes)), out, lambda: coder, resume=True, page_dir=pages)
    for name in names(out):
        assert (pages / page_name(name)).is_file(), name
    index = (pages / "index.html").read_text()
    assert all(page_name(name) in index for name in names(out))


# --- names and pages unique and writable (items 1, 12) ---


def test_two_messages_of_one_order_are_two_notes_with_two_pages(tmp_path, coder):
    path = tmp_path / "orders.hl7"
    path.write_text(hl7_message("M1", "ORD-7", SEED) + "\n" + hl7_message("M2", "ORD-7", TEXTS[2]))
    assert [note.name for note in read_notes(NoteSource(str(path), path))] == [f"{path}#ORD-7", f"{path}#ORD-7-2"]
    pages = tmp_path / "pages"
    run_batch([NoteSource(str(path), path)], tmp_path / "out.jsonl", lambda: coder, page_dir=pages)
    assert len(list(pages.glob("orders.hl7*.html"))) == 2


def test_file_names_that_are_not_utf8_or_very_long_get_pages(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    odd = os.fsdecode(b"caf\xe9 note.txt")
    (notes / odd).write_text(SEED)
    (notes / ("L" * 240 + ".txt")).write_text(SEED)
    out, pages = tmp_path / "out.jsonl", tmp_path / "pages"
    run = subprocess.run(
        command("batch", str(notes), "--out", str(out), "--html-dir", str(pages)), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert sorted(os.path.basename(name) for name in names(out)) == ["L" * 240 + ".txt", "caf\ufffd note.txt"]
    assert len(list(pages.glob("*.html"))) == 3  # two pages and the index
    assert all(len(page.name) < 120 for page in pages.iterdir())


# --- special files and unbounded input (item 4) ---


def test_special_files_in_a_folder_are_reported_not_opened(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.txt").write_text(SEED)
    os.mkfifo(notes / "pipe.txt")
    (notes / "zero.txt").symlink_to("/dev/zero")
    out = tmp_path / "out.jsonl"
    run = subprocess.run(command("batch", str(notes), "--out", str(out)), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    errors = {os.path.basename(json.loads(x)["note"]): json.loads(x)["errors"] for x in out.read_text().splitlines()}
    assert errors == {
        "good.txt": [],
        "pipe.txt": ["is a named pipe (FIFO), not a note file"],
        "zero.txt": ["is a character device, not a note file"],
    }


def test_standard_input_is_read_only_up_to_the_limit(tmp_path):
    endless = subprocess.Popen(["yes", "T7 kyphoplasty"], stdout=subprocess.PIPE)
    try:
        run = subprocess.run(
            command("code", "-", "--max-bytes", "5000"),
            stdin=endless.stdout,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        endless.kill()
        endless.wait()
    assert run.returncode == 1
    assert run.stderr.strip() == "vertcode: -: over the 5,000-byte limit for one note"


# --- folders that cannot be listed (item 9) ---


def test_a_folder_too_deep_to_list_is_reported(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.txt").write_text(SEED)
    fd = os.open(notes, os.O_RDONLY)
    try:
        for _ in range(20):  # 20 x 230 characters: deeper than the system's 4,096-byte path limit
            os.mkdir("d" * 229, dir_fd=fd)
            inner = os.open("d" * 229, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        note = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(note, SEED.encode())
        os.close(note)
    finally:
        os.close(fd)
    found = list(find_notes(notes))
    assert found[0].name == str(notes / "good.txt")
    problems = [source for source in found if source.problem]
    assert problems and all(s.problem.startswith("cannot list this folder (File name too long)") for s in problems)
    out = tmp_path / "out.jsonl"
    run = subprocess.run(command("batch", str(notes), "--out", str(out)), capture_output=True, text=True)
    assert run.returncode == 1 and "cannot list this folder (File name too long)" in run.stderr
    assert "1 errors" in run.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not stop root")
def test_an_unreadable_subfolder_is_reported(tmp_path):
    notes = tmp_path / "notes"
    (notes / "locked").mkdir(parents=True)
    (notes / "locked" / "a.txt").write_text(SEED)
    (notes / "locked").chmod(0)
    try:
        problems = [source.problem for source in find_notes(notes)]
    finally:
        (notes / "locked").chmod(0o755)
    assert problems == ["cannot list this folder (Permission denied): its notes are not coded"]


# --- a worker that dies (item 5) ---


def test_a_killed_worker_does_not_hang_the_batch_and_loses_no_note(tmp_path):
    notes = folder_of_notes(tmp_path / "notes", 200)
    fresh = tmp_path / "fresh.jsonl"
    subprocess.run(command("batch", str(notes), "--out", str(fresh), "--jobs", "1"), check=True, capture_output=True)
    out = tmp_path / "out.jsonl"
    run = subprocess.Popen(
        command("batch", str(notes), "--out", str(out), "--jobs", "2"), stderr=subprocess.PIPE, text=True
    )
    wait_for_lines(out.with_name("out.jsonl.part"), 20)
    children = subprocess.run(["pgrep", "-P", str(run.pid)], capture_output=True, text=True).stdout.split()
    assert children, "no worker process to kill"
    os.kill(int(children[0]), signal.SIGKILL)
    assert run.wait(timeout=300) == 0
    stderr = run.stderr.read()
    assert "a worker process stopped abruptly" in stderr and "coded again" in stderr
    assert out.read_bytes() == fresh.read_bytes()


class _KillingCoder(Coder):
    """Dies, as under the out-of-memory killer, on the note that says so."""

    def code_notes(self, notes):
        if any("KILL THIS WORKER" in note.text for note in notes):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().code_notes(notes)


def test_a_note_that_kills_its_worker_is_that_notes_error(tmp_path, monkeypatch):
    monkeypatch.setattr(pool_module, "CHUNK", 4)
    notes = folder_of_notes(tmp_path / "notes", 24)
    (notes / "n010.txt").write_text(SEED + "\nKILL THIS WORKER\n")
    coder = _KillingCoder()
    out = tmp_path / "out.jsonl"
    summary = run_batch(list(find_notes(notes)), out, lambda: coder, jobs=2)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [os.path.basename(line["note"]) for line in lines] == [f"n{i:03d}.txt" for i in range(24)]
    assert lines[10]["errors"] == [WORKER_DIED]
    assert all(line["errors"] == [] for i, line in enumerate(lines) if i != 10)
    assert summary.failed == [(str(notes / "n010.txt"), WORKER_DIED)]
    assert any("n010.txt: its worker died twice" in notice for notice in summary.notices)


# --- a full disk (item 16) ---


def _file_size_limit(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_write_failure_names_the_path_keeps_the_old_output_and_resumes(tmp_path):
    notes = folder_of_notes(tmp_path / "notes", 60)
    out = tmp_path / "out.jsonl"
    out.write_text("an earlier complete run\n")
    run = subprocess.run(
        command("batch", str(notes), "--out", str(out), "--jobs", "1"),
        capture_output=True,
        text=True,
        preexec_fn=_file_size_limit(40_000),
    )
    assert run.returncode == 3
    part = tmp_path / "out.jsonl.part"
    assert f"vertcode: {part}: cannot write (File too large); " in run.stderr
    assert "notes are safe in" in run.stderr and "--resume" in run.stderr
    assert "Traceback" not in run.stderr
    assert out.read_text() == "an earlier complete run\n"
    safe = int(run.stderr.split("; ")[1].split()[0])
    assert 0 < safe < 60 and part.read_text().count("\n") == safe

    done = subprocess.run(command("batch", str(notes), "--out", str(out), "--resume"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"60 notes ({safe} kept from the earlier run)" in done.stderr
    fresh = tmp_path / "fresh.jsonl"
    subprocess.run(command("batch", str(notes), "--out", str(fresh)), check=True, capture_output=True)
    assert out.read_bytes() == fresh.read_bytes()


# --- memory that stays flat (item 8) ---


def test_the_vocabulary_stays_bounded_and_results_do_not_change(monkeypatch):
    from vertcode.run import coder as coder_module

    monkeypatch.setattr(coder_module, "STRING_BUDGET", 2_000)
    long_running, fresh = Coder(), Coder()
    start = len(long_running.nlp.vocab.strings)
    sizes = []
    for i in range(400):  # each note brings new names and numbers, as a real backlog does
        text = f"Patient: Zq{i}xw Vb{i}ny, MRN {7_000_000 + i}, referred by Dr Kp{i}rt\n" + TEXTS[i % len(TEXTS)]
        result = long_running.code_text(text, f"n{i}")
        sizes.append(len(long_running.nlp.vocab.strings))
        if i % 25 == 0:
            assert result == fresh.code_text(text, f"n{i}"), i
    assert max(sizes) <= start + 2_000 + 200  # the budget, and one note's strings over it
    assert any(after < before for before, after in zip(sizes, sizes[1:], strict=False)), "never built afresh"
