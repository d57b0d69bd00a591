"""Issue 6: review pages a coder can check a note on in ten seconds."""

import html
import os
import re
import shutil
import subprocess
from datetime import date
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.write.pages import page_name, render_index, render_note

from chromium import CHROMIUM, FLAGS, Browser
from conftest import NOTES

SEED4 = (NOTES / "seed-04.txt").read_text()
HOSTILE = (
    "PROCEDURE: Balloon kyphoplasty at T12 <script>document.title='pwned';"
    "document.body.setAttribute('data-pwned','1')</script> with <b>cement</b> & PMMA.\n"
    "<img src=x onerror=\"document.title='pwned'\">"
)


def evidence_of(result):
    return (
        {e for c in result.codes for e in c.evidence}
        | {e for f in result.findings for e in f.evidence}
        | {e for f in result.flags for e in f.evidence}
    )


def test_every_evidence_span_is_on_the_page_with_its_offsets(code):
    result = code(SEED4)
    page = render_note(result, SEED4)
    listed = set(re.findall(r'<li data-spans="(e\d+)" data-start="(\d+)" data-end="(\d+)">', page))
    assert {(int(s), int(e)) for _, s, e in listed} == {(ev.start, ev.end) for ev in evidence_of(result)}
    for ident, start, end in listed:
        # The span's marked segments spell exactly its text.
        segments = re.findall(
            rf'<mark [^>]*data-span="[^"]*\b{ident}\b[^"]*"[^>]*>(.*?)(?:<span class="tag|</mark>)', page
        )
        assert html.unescape("".join(segments)) == SEED4[int(start) : int(end)]


def test_the_code_panel_shows_code_units_levels_and_review(code):
    page = render_note(code(SEED4), SEED4)
    rows = re.findall(
        r'<tbody data-spans="([^"]+)" data-code="(\d+)"><tr><td><b>\d+</b></td><td>(\d+)</td><td>([^<]*)</td>', page
    )
    assert [(c, u, lv) for _, c, u, lv in rows] == [("22513", "1", "T7"), ("22515", "2", "L3 L4")]
    headings = re.findall(r"<th [^>]*>([^<]*)</th>", page.split('<table class="codes">')[1].split("</thead>")[0])
    assert headings == ["code", "units", "levels", "modifiers", "disposition", "description and rationale"]


def test_review_says_its_reason_beside_it(code):
    page = render_note(code(SEED4), SEED4)
    line = page.split('data-code="22513">')[1].split("</tbody>")[0]
    assert re.search(
        r'<span class="review">review</span><br><small class="reason"><span title="[^"]+">'
        r"cross-region-primary</span></small>",
        line,
    )
    plain = "Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n"
    assert "<td>auto</td>" in render_note(code(plain), plain)


def test_a_note_with_no_code_says_so(code):
    clinic = "Clinic visit. Back pain, improving. Follow up in six weeks.\n"
    result = code(clinic)
    assert not result.codes and result.disposition == "auto"
    assert "<b>auto</b>: no code; nothing in the note is unexplained" in render_note(result, clinic)


def test_the_page_says_which_vertcode_wrote_it_and_when(code):
    before = date.today().isoformat()
    page = render_note(code(SEED4), SEED4)
    written = re.search(r'<p class="made">vertcode (\S+), written (\S+)</p>', page)
    assert written and written[1] == version("vertcode") and written[2] in {before, date.today().isoformat()}


def test_the_seed_4_page_highlights_levels_curette_and_guidance(code):
    page = render_note(code(SEED4), SEED4)
    marked = {
        (html.unescape(text), label)
        for label, text in re.findall(r'<mark [^>]*data-label="([A-Z_]+)"[^>]*>([^<]*)', page)
    }
    assert {
        ("T7", "LEVEL"),
        ("L3", "LEVEL"),
        ("L4", "LEVEL"),
        ("curette", "DEVICE"),
        ("fluoroscopic", "GUIDANCE"),
        ("CT guidance", "GUIDANCE"),
    } <= marked


def test_context_is_labelled(code):
    text = "Vertebroplasty at T10 with cement. Prior kyphoplasty at L3 in 2019."
    page = render_note(code(text), text)
    assert "LEVEL · historical" in page
    assert 'class="context"' in page


def test_note_text_is_escaped_never_markup(code):
    page = render_note(code(HOSTILE, "<evil>.txt"), HOSTILE)
    assert "&lt;script&gt;document.title=" in page and "&lt;b&gt;cement&lt;/b&gt;" in page
    assert "<script>document.title" not in page and "<img" not in page and "<evil>" not in page
    assert page.count("<script>") == 1
    assert "script-src 'sha256-" in page and "'unsafe-inline'" not in page.split("script-src")[1].split(";")[0]


def test_page_is_self_contained(code):
    page = render_note(code(SEED4), SEED4)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "@import" not in page and "url(" not in page


def test_index_lists_and_links_every_note(tmp_path, code):
    results = [
        code(SEED4, "a/seed-04.txt").to_dict(),
        {"note": "bad.txt", "codes": [], "flags": [], "errors": ["no such file"]},
    ]
    (tmp_path / page_name("a/seed-04.txt")).write_text("page")
    page = render_index(results, tmp_path)
    assert f'<a href="{page_name("a/seed-04.txt")}">a/seed-04.txt</a>' in page
    assert "22513 x1, 22515 x2" in page and "cross-region-primary" in page
    assert '<td data-sort="error">error: no such file</td>' in page and "bad.txt</td>" in page
    assert page.count(" data-column=") == 4


def test_the_index_counts_notes_dispositions_and_codes(tmp_path, code):
    clinic = "Clinic visit. Back pain, improving. Follow up in six weeks.\n"
    results = [
        code(SEED4, "seed-04.txt").to_dict(),
        code(SEED4, "again.txt").to_dict(),
        code(clinic, "clinic.txt").to_dict(),
        {"note": "bad.txt", "codes": [], "flags": [], "errors": ["cannot read: permission denied"]},
    ]
    page = render_index(results, tmp_path)
    assert "<b>4</b> notes: <b>1</b> auto, <b>2</b> review, <b>1</b> errors." in page
    assert "<b>22513</b> on 2 notes (2 units), <b>22515</b> on 2 notes (4 units)" in page
    assert '<span class="none">no code</span></td>' in page.split("clinic.txt</td>")[1].split("</tr>")[0]
    assert "error: cannot read: permission denied</td>" in page
    assert '<option value="22513">22513</option>' in page and '<option value="cross-region-primary">' in page


def test_a_page_in_a_batch_links_its_index_and_neighbours(code):
    result = code(SEED4, "a/seed-04.txt")
    alone = render_note(result, SEED4)
    assert "<nav>" not in alone and "index.html" not in alone
    page = render_note(result, SEED4, index="index.html")
    name = page_name("a/seed-04.txt")
    for rel, asked in (("index", "at"), ("prev", "prev"), ("next", "next")):
        assert f'<a rel="{rel}" href="index.html#{asked}={name}">' in page


def test_explain_command_writes_the_page(tmp_path):
    out = tmp_path / "seed.html"
    result = CliRunner().invoke(app, ["explain", str(NOTES / "seed-04.txt"), "--html", str(out)])
    assert result.exit_code == 0 and result.stdout.strip() == str(out)
    assert "22515" in out.read_text()


def test_batch_writes_a_page_per_note_and_an_index(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("seed-01.txt", "seed-04.txt"):
        shutil.copy(NOTES / name, notes / name)
    pages = tmp_path / "pages"
    run = CliRunner().invoke(app, ["batch", str(notes), "--out", str(tmp_path / "o.jsonl"), "--html-dir", str(pages)])
    assert run.exit_code == 0
    assert sorted(p.name for p in pages.iterdir()) == sorted(
        ["index.html", page_name(str(notes / "seed-01.txt")), page_name(str(notes / "seed-04.txt"))]
    )
    assert "22510 x1" in (pages / "index.html").read_text()
    page = (pages / page_name(str(notes / "seed-04.txt"))).read_text()
    assert f'href="index.html#next={page_name(str(notes / "seed-04.txt"))}"' in page


needs_chromium = pytest.mark.skipif(
    not CHROMIUM and not os.environ.get("CI"), reason="chromium is installed by .ci/run"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    assert CHROMIUM, "CI must install chromium (.ci/run)"
    running = Browser(tmp_path_factory.mktemp("cdp-profile"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory, code):
    path = tmp_path_factory.mktemp("seed") / "seed-04.html"
    path.write_text(render_note(code(SEED4, "seed-04.txt"), SEED4), encoding="utf-8")
    return path.as_uri()


@needs_chromium
def test_the_description_reads_at_1000_px(browser, seed_page):
    tab = browser.open(seed_page, width=1000)
    width = tab.eval("document.querySelector('.codes td.description').getBoundingClientRect().width")
    characters = tab.eval(
        "(function () { var probe = document.createElement('span'); probe.textContent = 'x'.repeat(100);"
        "document.querySelector('.codes td.description small').appendChild(probe);"
        "var w = probe.getBoundingClientRect().width; probe.remove(); return w / 100; })()"
    )
    assert width >= 400 and width / characters >= 60, (width, characters)


MTSAMPLES = (NOTES / "mtsamples-kyphoplasty-t12-l1.txt").read_text()
VISIBLE_TAGS = "[...document.querySelectorAll('.tag')].filter(t => getComputedStyle(t).display !== 'none').length"


def test_spans_that_decide_codes_are_tagged_and_the_rest_quiet(code):
    result = code(MTSAMPLES)
    page = render_note(result, MTSAMPLES)
    tags = re.findall(r'<span class="tag( quiet)?">([^<]+)</span>', page)
    quiet = {label for q, label in tags if q}
    assert quiet and quiet <= {"ACCESS", "APPROACH", "LATERALITY", "GUIDANCE", "INJECTION", "INCLUDED"}
    assert {"LEVEL", "TECHNIQUE", "DEVICE", "CEMENT"} <= {label for q, label in tags if not q}
    assert re.search(r'<button type="button" id="all-tags" aria-pressed="false">Tag all \d+ spans</button>', page)


@pytest.fixture(scope="module")
def busy_page(tmp_path_factory, code):
    path = tmp_path_factory.mktemp("busy") / "busy.html"
    path.write_text(render_note(code(MTSAMPLES, "busy.txt"), MTSAMPLES), encoding="utf-8")
    return path.as_uri()


@needs_chromium
def test_the_tag_toggle_works_from_the_keyboard(browser, busy_page):
    tab = browser.open(busy_page)
    total, quiet = tab.eval(
        "[document.querySelectorAll('.tag').length, document.querySelectorAll('.tag.quiet').length]"
    )
    assert tab.eval(VISIBLE_TAGS) == total - quiet and quiet >= 20
    tab.press("Tab")
    assert tab.eval("document.activeElement.id") == "all-tags"
    tab.press("Enter")
    assert tab.eval(VISIBLE_TAGS) == total
    assert tab.eval("document.getElementById('all-tags').getAttribute('aria-pressed')") == "true"
    tab.press("Space")
    assert tab.eval(VISIBLE_TAGS) == total - quiet
    assert tab.eval("document.getElementById('all-tags').getAttribute('aria-pressed')") == "false"


@needs_chromium
def test_the_print_layout_hides_controls_and_shows_all_evidence(browser, busy_page):
    tab = browser.open(busy_page)
    spans_shown = "[...document.querySelectorAll('.spans li')].every(li => li.checkVisibility())"
    assert not tab.eval(spans_shown)
    tab.media("print")
    try:
        assert tab.eval(VISIBLE_TAGS) == tab.eval("document.querySelectorAll('.tag').length")
        assert tab.eval("document.getElementById('all-tags').getBoundingClientRect().height") == 0
        assert tab.eval(spans_shown)
        # The panel follows the note rather than squeezing beside it.
        assert tab.eval(
            "document.querySelector('aside').getBoundingClientRect().top >="
            " document.querySelector('.note').getBoundingClientRect().bottom"
        )
    finally:
        tab.media("")


def synthetic(i):
    """One of 3,000 results as a batch writes them: a mix of codes, flags, errors and hostile names."""
    name = f"<img src=x onerror=\"document.title='pwned'\">{i}.txt" if i % 500 == 3 else f"n{i:04}.txt"
    if i % 100 == 7:
        return {"note": name, "codes": [], "flags": [], "errors": ["cannot read: not UTF-8"]}
    codes = [] if i % 5 == 0 else [{"code": "22513" if i % 2 else "22510", "units": 1}]
    codes += [{"code": "22515", "units": i % 3}] if codes and i % 3 else []
    flags = [{"kind": "cross-region-primary", "message": "m"}] if i % 4 == 0 else []
    return {"note": name, "codes": codes, "flags": flags, "errors": [], "disposition": "review" if flags else "auto"}


def choose(tab, ident, value, event="change"):
    """Set a filter as a reader does, and let the page hear of it."""
    tab.eval(
        f"(s => {{ s.value = {value!r}; s.dispatchEvent(new Event({event!r})); }})(document.getElementById({ident!r}))"
    )


def shown(tab):
    return tab.eval(
        "[document.querySelectorAll('tbody tr:not([hidden])').length, document.getElementById('shown').value]"
    )


@needs_chromium
def test_a_3000_row_index_searches_and_filters_in_the_browser(browser, tmp_path):
    results = [synthetic(i) for i in range(3000)]
    index = tmp_path / "index.html"
    index.write_text(render_index(results, tmp_path), encoding="utf-8")
    tab = browser.open(index.as_uri())
    assert shown(tab) == [3000, "3000 of 3000 notes shown"]
    assert tab.eval("document.title") == "vertcode review" and tab.eval("document.images.length") == 0

    def expect(keep):
        n = sum(1 for r in results if keep(r))
        assert shown(tab) == [n, f"{n} of 3000 notes shown"]

    choose(tab, "disposition", "error")
    expect(lambda r: r["errors"])
    choose(tab, "disposition", "review")
    expect(lambda r: not r["errors"] and r["flags"])
    choose(tab, "code", "22515")
    expect(lambda r: r["flags"] and any(c["code"] == "22515" for c in r["codes"]))
    choose(tab, "disposition", "")
    choose(tab, "code", "-")
    expect(lambda r: not r["codes"])
    choose(tab, "code", "")
    choose(tab, "flag", "-")
    expect(lambda r: not r["flags"])
    choose(tab, "flag", "")
    tab.eval("document.getElementById('search').focus()")
    tab.send("Input.insertText", {"text": "N02"})
    expect(lambda r: "n02" in r["note"])
    choose(tab, "search", "onerror", "input")
    expect(lambda r: "onerror" in r["note"])
    assert tab.eval("document.title") == "vertcode review" and tab.eval("document.images.length") == 0


@needs_chromium
def test_previous_and_next_walk_the_index_as_filtered(browser, tmp_path, code):
    plain = "Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n"
    notes = [("a.txt", plain), ("b.txt", SEED4), ("c.txt", plain)]
    results = []
    for name, text in notes:
        result = code(text, name)
        (tmp_path / page_name(name)).write_text(render_note(result, text, index="index.html"), encoding="utf-8")
        results.append(result.to_dict())
    (tmp_path / "index.html").write_text(render_index(results, tmp_path), encoding="utf-8")
    a, b, c = (tmp_path / page_name(name) for name, _ in notes)

    def follow(tab, rel, to):
        tab.eval(f"document.querySelector('nav a[rel={rel}]').click()")
        tab.wait_for(f"location.pathname.endsWith({to.name!r}) && document.readyState === 'complete'")

    tab = browser.open(a.as_uri())
    follow(tab, "next", b)
    follow(tab, "next", c)
    follow(tab, "prev", b)
    follow(tab, "index", tmp_path / "index.html")
    assert tab.eval("document.querySelector('tr.current').getAttribute('data-page')") == b.name
    tab.go(a.as_uri())
    follow(tab, "prev", tmp_path / "index.html")
    assert tab.eval("document.getElementById('notice').textContent") == "That was the first note in this list."
    # The reader filters to auto notes: next from a skips b, which needs review.
    tab.eval(
        "(s => { s.value = 'auto'; s.dispatchEvent(new Event('change')); })(document.getElementById('disposition'))"
    )
    tab.go(a.as_uri())
    follow(tab, "next", c)


@needs_chromium
def test_in_a_real_browser(tmp_path_factory, code):
    assert CHROMIUM, "CI must install chromium (.ci/run)"
    folder = tmp_path_factory.mktemp("browser")
    pages = {}
    for name, text in (("seed-04", SEED4), ("hostile", HOSTILE)):
        pages[name] = folder / f"{name}.html"
        pages[name].write_text(render_note(code(text, name), text), encoding="utf-8")

    def chromium(*args):
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={folder / 'profile'}", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    dom = chromium("--dump-dom", "--virtual-time-budget=2000", pages["seed-04"].as_uri()).stdout
    assert 'data-code="22513"' in dom and 'data-code="22515"' in dom
    marked = re.findall(r'<mark [^>]*data-label="([A-Z]+)"[^>]*>([^<]*)', dom)
    assert {("LEVEL", "T7"), ("LEVEL", "L3"), ("LEVEL", "L4"), ("DEVICE", "curette")} <= set(marked)

    hostile = chromium("--dump-dom", "--virtual-time-budget=2000", pages["hostile"].as_uri()).stdout
    assert "<title>vertcode: hostile</title>" in hostile and "pwned" not in hostile.split("<body")[1].split(">")[0]
    assert "&lt;script&gt;" in hostile and "data-pwned" not in hostile.split("<main>")[0]

    shot = folder / "seed-04.png"
    chromium(f"--screenshot={shot}", "--window-size=1400,900", pages["seed-04"].as_uri())
    assert shot.stat().st_size > 10_000, "screenshot kept as an artifact beside the pages"


def test_the_page_and_the_index_say_the_disposition_and_its_reasons(tmp_path, code):
    review = code(SEED4, "seed-04.txt")
    assert '<p class="disposition review"><b>review</b>: cross-region-primary</p>' in render_note(review, SEED4)
    plain = "Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n"
    auto = code(plain, "t7.txt")
    assert '<p class="disposition auto"><b>auto</b>: nothing in the note is unexplained</p>' in render_note(auto, plain)
    index = render_index([review.to_dict(), auto.to_dict()], tmp_path)
    assert '<td data-sort="review">review</td>' in index and '<td data-sort="auto">auto</td>' in index
