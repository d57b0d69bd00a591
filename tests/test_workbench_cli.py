"""Issue 17: `vertcode review` as a coder runs it: import, serve, a decision that survives the
server being killed, exports and stats from the command line, and errors as messages."""

import csv
import io
import json
import re
import socket
import subprocess

import pytest

from conftest import VERTCODE
from workbench_helpers import Server, database_urls, fresh_database, make_notes, write_results


def review(*args, cwd=None):
    return subprocess.run([*VERTCODE, "review", *map(str, args)], capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def results(coder, tmp_path):
    return write_results(coder, make_notes(tmp_path / "notes"), tmp_path / "results.jsonl")


def test_importing_results_twice_adds_nothing_the_second_time(results, tmp_path):
    first = review(results, "--no-serve")
    assert first.returncode == 0, first.stderr
    assert f"6 new notes, 0 changed (coded again, earlier decisions kept), 0 unchanged -> sqlite:///{tmp_path}" in (
        first.stderr
    )
    assert (tmp_path / "vertcode-review.db").is_file()
    again = review(results, "--no-serve")
    assert "0 new notes, 0 changed (coded again, earlier decisions kept), 6 unchanged" in again.stderr


def test_a_folder_is_coded_first_and_kept_beside_it(tmp_path):
    notes = make_notes(tmp_path / "notes")
    done = review(notes, "--no-serve", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "6 notes (0 unchanged since the last run)" in done.stderr and "6 new notes" in done.stderr
    assert (tmp_path / "vertcode-review.jsonl").is_file() and (tmp_path / "vertcode-review.db").is_file()
    again = review(notes, "--no-serve", "--jobs", "1")
    assert "6 notes (6 unchanged since the last run)" in again.stderr and "6 unchanged" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "mysql://u@h/x"], "vertcode: --db mysql://u@h/x: not a database this workbench uses"),
        (
            ["--db", "postgresql://u:pw@127.0.0.1:1/x"],
            "vertcode: postgresql+psycopg://u:***@127.0.0.1:1/x: cannot open",
        ),
        (["--host", "0.0.0.0"], "vertcode: --host 0.0.0.0 would show patients' notes to the network: give a login"),
    ],
)
def test_bad_options_are_messages_not_tracebacks(results, args, message):
    done = review(results, "--no-serve", *args)
    assert done.returncode == 2
    assert done.stderr.startswith(message) and "Traceback" not in done.stderr
    assert "pw" not in done.stderr


def test_an_unreadable_results_file_is_a_message(tmp_path):
    bad = tmp_path / "results.jsonl"
    bad.write_text('{"note": "x"}\n', encoding="utf-8")
    done = review(bad, "--no-serve")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        f"vertcode: {bad}:1: not a vertcode result (a line of `vertcode batch` output)",
    )
    assert (
        review(tmp_path / "missing.jsonl").stderr.strip()
        == f"vertcode: {tmp_path / 'missing.jsonl'}: no such file or folder"
    )


def test_a_port_in_use_is_a_message(results):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = review(results, "--port", port)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        f"vertcode: cannot listen on 127.0.0.1:{port} (Address already in use); choose another with --port"
    )


@pytest.mark.parametrize("kind", database_urls())
def test_a_decision_survives_the_server_being_killed_and_the_log_has_no_note_text(results, tmp_path, kind):
    db = fresh_database(kind, tmp_path)
    server = Server(results, "--db", db)
    try:
        worklist = server.get("/?q=transpedicularly")  # words of dated.txt, searched
        (href,) = re.findall(r'<tr data-href="(/note/\d+)[^"]*"', worklist)
        page = server.get(href)
        (action,) = re.findall(r'<form class="accept" method="post" action="([^"]+)">', page)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.split(action)[1])[:4])
        assert set(fields) == {"csrf", "version", "rev", "action"}
        after = server.post(action, fields)  # acknowledged: the redirect to the note page came back
        assert "accepted 22510 ×1 by ana" in after
    finally:
        log = server.kill()
    assert re.search(r"GET /\?", log) is None and "transpedicularly" not in log
    assert re.search(rf"POST {re.escape(action.split('?')[0])} 303", log)
    again = Server(results, "--db", db)
    try:
        assert "accepted 22510 ×1 by ana" in again.get(href)
        assert "<b>1</b> done" in again.get("/")
    finally:
        again.kill()


def test_export_and_stats_from_the_command_line(results, tmp_path, coder):
    from vertcode.workbench import store
    from vertcode.workbench.schema import database_url, open_database

    assert review(results, "--no-serve").returncode == 0
    db = tmp_path / "vertcode-review.db"
    engine = open_database(database_url(str(db), tmp_path))
    for view in store.load_notes(engine):
        for line in view.lines:
            store.decide(engine, line.id, line.rev, "ana", "accept")
    engine.dispose()
    exported = review("export", "--db", db, "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    codes = sorted((r["code"], r["units"]) for r in csv.DictReader(io.StringIO(exported.stdout)))
    assert codes == [
        ("20225", "1"),
        ("22510", "1"),
        ("22510", "1"),
        ("22510", "1"),
        ("22513", "1"),
        ("22513", "1"),
        ("22515", "2"),
    ]
    hl7 = review("export", "--db", db, "--format", "hl7", "--out", tmp_path / "out.hl7")
    assert hl7.returncode == 0 and (tmp_path / "out.hl7").read_text().count("FT1|") == 7
    gold = review("export", "--db", db, "--format", "gold", "--out", tmp_path / "gold")
    assert (
        gold.stderr.strip()
        == f"5 notes -> {tmp_path / 'gold' / 'gold.jsonl'}; score with: vertcode eval {tmp_path / 'gold'}"
    )
    stats = json.loads(review("stats", "--db", db, "--json").stdout)
    assert stats["lines"]["accepted"] == 7 and stats["dispositions"]["auto"]["done"] == 3
    missing = review("stats", "--db", tmp_path / "nope.db")
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        f"vertcode: {tmp_path / 'nope.db'}: no workbench database there (--db names it)",
    )
