"""Issue 17: the workbench's database: import, decisions, conflicts, the audit trail, on SQLite
and on a real PostgreSQL server."""

import threading

import pytest

from vertcode.workbench import store
from vertcode.workbench.intake import import_results, read_results
from vertcode.workbench.schema import DatabaseError, database_url, open_database

from workbench_helpers import CHOSEN, database_urls, fresh_database, make_notes, write_results


@pytest.fixture(params=database_urls())
def engine(request, tmp_path):
    engine = open_database(database_url(fresh_database(request.param, tmp_path), tmp_path))
    yield engine
    engine.dispose()


@pytest.fixture
def results(coder, tmp_path):
    return write_results(coder, make_notes(tmp_path / "notes"), tmp_path / "results.jsonl")


def imported(engine, results, coder):
    return import_results(engine, read_results(results), results.parent, lambda: coder)


def by_name(engine):
    return {view.path.rsplit("/", 1)[-1]: view for view in store.load_notes(engine, with_text=True)}


def test_import_keeps_codes_dispositions_and_the_text(engine, results, coder):
    summary, notices = imported(engine, results, coder)
    assert (summary.new, summary.changed, summary.unchanged, notices) == (6, 0, 0, [])
    views = by_name(engine)
    for name, (codes, disposition) in CHOSEN.items():
        assert {line.code: line.units for line in views[name].lines} == codes
        assert views[name].disposition == disposition
        assert all(line.status == "todo" for line in views[name].lines)
    assert views["b13a-34.txt"].lines[1].modifiers == ["XS"]
    assert views["seed-04.txt"].flags == ["cross-region-primary"]
    assert "<script>" in views["hostile-<b>.txt"].text


def test_importing_again_duplicates_nothing_and_keeps_decisions(engine, results, coder):
    imported(engine, results, coder)
    line = by_name(engine)["seed-01.txt"].lines[0]
    store.decide(engine, line.id, line.rev, "ana", "accept")
    summary, _ = imported(engine, results, coder)
    assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 6)
    views = store.load_notes(engine)
    assert len(views) == 6
    assert by_name(engine)["seed-01.txt"].lines[0].status == "accepted"


def test_a_changed_note_is_coded_again_and_its_old_decisions_stay_as_history(engine, results, coder):
    imported(engine, results, coder)
    first = by_name(engine)["seed-01.txt"]
    store.decide(engine, first.lines[0].id, first.lines[0].rev, "ana", "accept")
    note = results.parent / "notes" / "seed-01.txt"
    note.write_text(note.read_text().replace("T5", "T6"), encoding="utf-8")
    summary, notices = imported(engine, results, coder)  # the results file is stale: the note is coded again
    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 5)
    assert notices == [f"{note}: changed since it was coded: coded again"]
    now = by_name(engine)["seed-01.txt"]
    assert now.id == first.id and now.version_id != first.version_id
    assert [(line.code, line.levels, line.status) for line in now.lines] == [("22510", ["T6"], "todo")]
    trail = store.history(engine, now.id)
    assert [(d["action"], d["user"], d["version_id"]) for d in trail] == [("accept", "ana", first.version_id)]
    # A decision made on the old version's page is refused, not applied to the new text.
    with pytest.raises(store.Conflict, match="re-coded"):
        store.decide(engine, first.lines[0].id, first.lines[0].rev + 1, "ana", "reject", reason="wrong-level")


def test_decisions_set_the_final_line_and_are_appended_to_the_audit_trail(engine, results, coder):
    imported(engine, results, coder)
    view = by_name(engine)["seed-04.txt"]
    primary, addon = view.lines
    store.decide(engine, primary.id, primary.rev, "ana", "accept")
    store.decide(engine, addon.id, addon.rev, "ana", "edit", code="22515", units="1", modifiers=["XS"])
    view = by_name(engine)["seed-04.txt"]
    assert [(ln.code, ln.units, ln.modifiers, ln.status) for ln in view.lines] == [
        ("22513", 1, [], "accepted"),
        ("22515", 1, ["XS"], "edited"),
    ]
    assert view.done
    store.decide(engine, addon.id, addon.rev + 1, "ben", "reject", reason="other", comment="billed elsewhere")
    trail = store.history(engine, view.id)
    assert [(d["action"], d["user"], d["reason"], d["comment"]) for d in trail] == [
        ("accept", "ana", None, None),
        ("edit", "ana", None, None),
        ("reject", "ben", "other", "billed elsewhere"),
    ]
    import json

    assert json.loads(trail[1]["suggestion"])["units"] == 2
    assert json.loads(trail[1]["final"]) == {"code": "22515", "units": 1, "modifiers": ["XS"], "levels": ["L3", "L4"]}
    assert trail[2]["final"] is None
    assert all(d["at"].utcoffset() is None or d["at"].utcoffset().total_seconds() == 0 for d in trail)


@pytest.mark.parametrize(
    ("code", "units", "modifiers", "message"),
    [
        ("99999", "1", [], "99999 is not a code this tool knows"),
        ("22515", "0", [], "units must be a whole number of at least 1, not '0'"),
        ("22515", "1.5", [], "units must be a whole number of at least 1, not '1.5'"),
        ("22515", "two", [], "units must be a whole number of at least 1, not 'two'"),
        ("22515", "1", ["ZZ"], "unknown modifier ZZ"),
    ],
)
def test_an_edit_takes_only_known_codes_and_whole_units(engine, results, coder, code, units, modifiers, message):
    imported(engine, results, coder)
    line = by_name(engine)["seed-04.txt"].lines[1]
    with pytest.raises(store.InvalidDecision, match=message):
        store.decide(engine, line.id, line.rev, "ana", "edit", code=code, units=units, modifiers=modifiers)
    assert by_name(engine)["seed-04.txt"].lines[1].status == "todo"
    assert store.history(engine, by_name(engine)["seed-04.txt"].id) == []


def test_a_rejection_needs_a_reason_from_the_list(engine, results, coder):
    imported(engine, results, coder)
    line = by_name(engine)["seed-01.txt"].lines[0]
    with pytest.raises(store.InvalidDecision, match="needs a reason"):
        store.decide(engine, line.id, line.rev, "ana", "reject", reason="bored")
    with pytest.raises(store.InvalidDecision, match='"other" reason needs its text'):
        store.decide(engine, line.id, line.rev, "ana", "reject", reason="other")


def test_two_coders_deciding_the_same_line_get_a_conflict_not_an_overwrite(engine, results, coder):
    imported(engine, results, coder)
    line = by_name(engine)["seed-01.txt"].lines[0]
    outcomes = []

    def decide(user, action, **kw):
        try:
            store.decide(engine, line.id, line.rev, user, action, **kw)
            outcomes.append((user, "ok"))
        except store.Conflict as exc:
            outcomes.append((user, str(exc)))

    threads = [
        threading.Thread(target=decide, args=("ana", "accept")),
        threading.Thread(target=decide, args=("ben", "reject"), kwargs={"reason": "not-performed"}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [user for user, outcome in outcomes if outcome == "ok"]
    assert len(winners) == 1
    ((loser, message),) = [o for o in outcomes if o[1] != "ok"]
    assert message.startswith(f"{winners[0]} decided this line at ") and "reload it" in message
    trail = store.history(engine, by_name(engine)["seed-01.txt"].id)
    assert [d["user"] for d in trail] == winners


def test_a_coder_adds_a_missing_line_and_comments_and_queries(engine, results, coder):
    imported(engine, results, coder)
    view = by_name(engine)["b13a-34.txt"]
    store.add_line(engine, view.id, view.version_id, "ana", "99152", "1", [], "")
    store.note_event(engine, view.id, view.version_id, "ana", "query", "Please document the T8 biopsy needle pass.")
    store.note_event(engine, view.id, view.version_id, "ana", "comment", "sedation by the nurse")
    view = by_name(engine)["b13a-34.txt"]
    assert [(ln.code, ln.status) for ln in view.lines][-1] == ("99152", "added")
    assert [d["action"] for d in store.history(engine, view.id)] == ["add", "query", "comment"]
    assert not view.done  # the two suggested lines are still to do
    with pytest.raises(store.InvalidDecision, match="query needs its text"):
        store.note_event(engine, view.id, view.version_id, "ana", "query", " ")


def test_a_note_with_no_line_is_done_once_confirmed(engine, results, coder):
    imported(engine, results, coder)
    view = by_name(engine)["mix-03.txt"]
    assert not view.done
    store.note_event(engine, view.id, view.version_id, "ana", "confirm")
    assert by_name(engine)["mix-03.txt"].done


def test_decisions_survive_reopening_the_database(engine, results, coder):
    imported(engine, results, coder)
    line = by_name(engine)["seed-01.txt"].lines[0]
    store.decide(engine, line.id, line.rev, "ana", "accept")
    again = open_database(str(engine.url.render_as_string(hide_password=False)))
    assert by_name(again)["seed-01.txt"].lines[0].status == "accepted"
    again.dispose()


def test_a_bad_database_url_is_a_message(tmp_path):
    with pytest.raises(DatabaseError, match="not a database this workbench uses"):
        database_url("mysql://x@y/z", tmp_path)
    with pytest.raises(DatabaseError, match=r"postgresql\+psycopg://u:\*\*\*@127.0.0.1:1/x: cannot open"):
        open_database(database_url("postgresql://u:secret@127.0.0.1:1/x", tmp_path))
    with pytest.raises(DatabaseError, match="cannot open"):
        open_database(database_url(str(tmp_path / "missing" / "x.db"), tmp_path))


def test_opening_runs_the_migrations_once_and_leaves_the_schema_at_head(engine):
    import sqlalchemy as sa

    again = open_database(engine.url.render_as_string(hide_password=False))
    with again.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
    assert {"notes", "versions", "lines", "decisions"} <= set(sa.inspect(again).get_table_names())
    again.dispose()


@pytest.mark.parametrize("kind", database_urls())
def test_two_workbenches_opening_an_empty_database_at_once_both_open_it(kind, tmp_path):
    """Two coders start the workbench on a new team database at the same moment: one migrates,
    the other waits and finds the schema there (PostgreSQL: an advisory lock; SQLite: its lock)."""
    import subprocess
    import sys

    url = database_url(fresh_database(kind, tmp_path), tmp_path)
    script = "import sys; from vertcode.workbench.schema import open_database; open_database(sys.argv[1]).dispose()"
    for _ in range(4):
        if kind == "sqlite":
            (tmp_path / "review.db").unlink(missing_ok=True)
        else:
            fresh_database(kind, tmp_path)
        starts = [
            subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True) for _ in range(2)
        ]
        for start in starts:
            _, err = start.communicate(timeout=120)
            assert start.returncode == 0, err
