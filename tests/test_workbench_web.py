"""Issue 17: the workbench's web application, request by request: the worklist, a note page,
decisions posted with their CSRF token, conflicts, escaping, downloads and the login token."""

import csv
import io
import re

import pytest

from vertcode.workbench import store
from vertcode.workbench.intake import import_results, read_results
from vertcode.workbench.schema import database_url, open_database
from vertcode.workbench.web import Workbench

from workbench_helpers import Client, database_urls, fresh_database, make_notes, write_results


@pytest.fixture(params=database_urls())
def engine(request, tmp_path, coder):
    engine = open_database(database_url(fresh_database(request.param, tmp_path), tmp_path))
    results = write_results(coder, make_notes(tmp_path / "notes"), tmp_path / "results.jsonl")
    import_results(engine, read_results(results), tmp_path, lambda: coder)
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine):
    return Client(Workbench(engine, "ana"))


def note_id(engine, name):
    return next(v.id for v in store.load_notes(engine) if v.path.endswith(name))


def rows(page):
    return re.findall(
        r'<tr data-href="/note/(\d+)[^"]*"><td><a [^>]*>([^<]*)</a></td><td class="disposition (\w+)"', page
    )


def test_the_worklist_counts_and_lists_review_notes_first(client):
    page = client.get("/")
    assert page["status"] == 200
    assert "<b>6</b> notes: <b>6</b> to do, <b>0</b> done; 2 review, 4 auto." in page["body"]
    listed = [(name.rsplit("/", 1)[-1], disposition) for _, name, disposition in rows(page["body"])]
    assert [d for _, d in listed] == ["review"] * 2 + ["auto"] * 4
    assert listed[0][0] == "b13a-34.txt"


def test_the_worklist_searches_and_filters(client, engine):
    def names(path):
        return [name.rsplit("/", 1)[-1] for _, name, _ in rows(client.get(path)["body"])]

    assert names("/?flag=biopsy-other-level") == ["b13a-34.txt"]
    assert names("/?code=22515") == ["seed-04.txt"]
    assert names("/?q=balloon+tamp") == ["hostile-&lt;b&gt;.txt"]  # the note's text is searched
    view = store.load_note(engine, note_id(engine, "seed-01.txt"))
    store.decide(engine, view.lines[0].id, 0, "ana", "accept")
    assert names("/?state=done") == ["seed-01.txt"]
    assert names("/?sort=note")[:2] == ["b13a-34.txt", "dated.txt"]


def test_a_note_page_has_the_evidence_and_a_form_per_line(client, engine):
    page = client.get(f"/note/{note_id(engine, 'seed-04.txt')}")["body"]
    assert '<mark class="ev"' in page  # the explain page's evidence
    assert page.count('<tbody class="decide"') == 2
    token = client.cookies["vc_csrf"]
    assert page.count(f'name="csrf" value="{token}"') >= 6
    assert "cross-region-primary: " in page  # the query to the physician, prefilled with the flag's text
    assert 'rel="next"' in page and "back to the worklist" in page


def test_decisions_are_posted_with_the_token_and_shown_in_the_history(client, engine):
    nid = note_id(engine, "seed-04.txt")
    view = store.load_note(engine, nid)
    primary, addon = view.lines
    base = {"csrf": client.csrf(), "version": view.version_id}
    done = client.post(f"/note/{nid}/line/{primary.id}", base | {"rev": 0, "action": "accept"})
    assert (done["status"], dict(done["headers"])["Location"]) == (303, f"/note/{nid}")
    edit = {"rev": 0, "action": "edit", "code": "22515", "units": "1", "modifiers": "XS"}
    assert client.post(f"/note/{nid}/line/{addon.id}", base | edit)["status"] == 303
    page = client.get(f"/note/{nid}")["body"]
    assert "accepted 22513 ×1 by ana" in page and "edited to 22515 ×1 XS by ana" in page
    history = page.split("<h2>History</h2>")[1]
    assert re.findall(r"<td>ana</td><td>(\w+)</td><td>([^<]*)</td>", history) == [
        ("accept", "22513 ×1 "),
        ("edit", "22515 ×1 XS"),
    ]
    assert "<b>done</b>" in page


def test_a_post_without_the_token_or_from_another_site_changes_nothing(client, engine):
    nid = note_id(engine, "seed-01.txt")
    view = store.load_note(engine, nid)
    form = {"version": view.version_id, "rev": 0, "action": "accept"}
    client.csrf()
    assert client.post(f"/note/{nid}/line/{view.lines[0].id}", form | {"csrf": "forged"})["status"] == 403
    other = {"HTTP_ORIGIN": "http://evil.example"}
    answer = client.post(f"/note/{nid}/line/{view.lines[0].id}", form | {"csrf": client.csrf()}, other)
    assert answer["status"] == 403
    assert client.get(f"/note/{nid}/line/{view.lines[0].id}")["status"] == 404  # a GET decides nothing
    assert store.load_note(engine, nid).lines[0].status == "todo"


def test_a_second_coder_on_a_stale_page_gets_a_conflict(client, engine):
    nid = note_id(engine, "seed-01.txt")
    view = store.load_note(engine, nid)
    ben = Client(Workbench(engine, "ben"))
    form = {"version": view.version_id, "rev": 0}
    assert (
        client.post(f"/note/{nid}/line/{view.lines[0].id}", form | {"csrf": client.csrf(), "action": "accept"})[
            "status"
        ]
        == 303
    )
    late = ben.post(
        f"/note/{nid}/line/{view.lines[0].id}",
        form | {"csrf": ben.csrf(), "action": "reject", "reason": "not-performed"},
    )
    assert late["status"] == 409
    assert "ana decided this line at " in late["body"] and "reload it to see their decision" in late["body"]
    assert store.load_note(engine, nid).lines[0].status == "accepted"


def test_bad_units_are_refused_with_a_message(client, engine):
    nid = note_id(engine, "seed-04.txt")
    view = store.load_note(engine, nid)
    form = {"csrf": client.csrf(), "version": view.version_id, "rev": 0, "action": "edit", "code": "22515"}
    answer = client.post(f"/note/{nid}/line/{view.lines[1].id}", form | {"units": "0"})
    assert answer["status"] == 400
    assert "units must be a whole number of at least 1, not &#x27;0&#x27;" in answer["body"]


def test_a_note_holding_markup_is_shown_as_text(client, engine):
    page = client.get(f"/note/{note_id(engine, 'hostile-<b>.txt')}")["body"]
    assert "<script>document.title" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;" in page
    assert "hostile-&lt;b&gt;.txt" in page and "hostile-<b>" not in page
    assert "script-src 'sha256-" in page and "default-src 'none'" in page


def test_the_csv_download_has_the_charge_lines_of_done_notes(client, engine):
    nid = note_id(engine, "dated.txt")
    view = store.load_note(engine, nid)
    form = {"csrf": client.csrf(), "version": view.version_id, "rev": 0, "action": "accept"}
    client.post(f"/note/{nid}/line/{view.lines[0].id}", form)
    answer = client.get("/export/csv")
    assert dict(answer["headers"])["Content-Disposition"] == 'attachment; filename="vertcode-charges.csv"'
    (row,) = list(csv.DictReader(io.StringIO(answer["body"])))
    assert (row["date_of_service"], row["code"], row["units"], row["decision"], row["user"]) == (
        "2024-03-14",
        "22510",
        "1",
        "accepted",
        "ana",
    )


def test_the_stats_page_shows_the_share_of_auto_notes_changed(client):
    page = client.get("/stats")["body"]
    assert "<b>auto</b>: 0 done, 0 changed by coders (–)" in page


def test_with_a_login_token_nothing_is_shown_before_login(engine):
    client = Client(Workbench(engine, "ana", token="s3cret token"))
    first = client.get("/")
    assert (first["status"], dict(first["headers"])["Location"]) == (303, "/login")
    assert client.post("/login", {"csrf": client.csrf(), "token": "wrong"})["status"] == 403
    assert client.get("/export/csv")["status"] == 303
    assert client.post("/login", {"csrf": client.csrf(), "token": "s3cret token"})["status"] == 303
    assert client.get("/")["status"] == 200


def test_a_line_added_a_query_and_a_comment_are_kept_and_escaped(client, engine):
    nid = note_id(engine, "b13a-34.txt")
    view = store.load_note(engine, nid)
    base = {"csrf": client.csrf(), "version": view.version_id}
    added = client.post(f"/note/{nid}/add", base | {"code": "99152", "units": "1", "modifiers": "", "levels": ""})
    assert added["status"] == 303
    page = client.get(f"/note/{nid}")["body"]
    query = re.search(r'name="action" value="query"><textarea name="comment" rows="4" required>([^<]*)<', page)
    assert query and "biopsy-other-level: Bone biopsy of T8" in query.group(1)
    assert client.post(f"/note/{nid}/event", base | {"action": "query", "comment": query.group(1)})["status"] == 303
    hostile = "<script>alert(1)</script> see me"
    assert client.post(f"/note/{nid}/event", base | {"action": "comment", "comment": hostile})["status"] == 303
    page = client.get(f"/note/{nid}")["body"]
    assert "<li>99152 ×1 (added by ana)</li>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; see me" in page
    history = page.split("<h2>History</h2>")[1]
    assert re.findall(r"<td>ana</td><td>(\w+)</td>", history) == ["add", "query", "comment"]
    assert " · queried" in page


def test_a_note_whose_text_is_gone_is_shown_without_spans(engine, tmp_path, coder):
    from vertcode.workbench.intake import import_results
    from vertcode.workbench.intake import read_results as read

    results = tmp_path / "results.jsonl"
    (tmp_path / "notes" / "seed-01.txt").unlink()
    gone = [r for r in read(results) if r["note"].endswith("seed-01.txt")]
    for r in gone:
        r["note"] = r["note"].replace("seed-01", "moved-01")
    _, notices = import_results(engine, gone, tmp_path, lambda: coder)
    assert notices == [f"{gone[0]['note']}: the note cannot be read here: imported without its text"]
    page = Client(Workbench(engine, "ana")).get(f"/note/{note_id(engine, 'moved-01.txt')}")["body"]
    assert "could not be read when it was imported" in page and "<mark" not in page
    assert page.count('<tbody class="decide"') == 1
