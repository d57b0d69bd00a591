"""The workbench's pages: the worklist, a note (the `explain` page with the decisions beside each
code line), the statistics. Every value from a note, a file name, an id or a coder is escaped;
the pages run only their own script (the Content-Security-Policy of vertcode.write.pages)."""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from vertcode.model import CodeLine, NoteResult
from vertcode.workbench.checks import MODIFIERS, REASONS, known_codes
from vertcode.workbench.store import Line, NoteView
from vertcode.write.pages import render_note
from vertcode.write.pages.common import made, page

STYLE = """<style>
.decide td { padding-top: 0; }
.decide form, .note-actions form { display: inline-block; margin: 0.2rem 0.4rem 0.2rem 0; }
.decide details { display: inline-block; vertical-align: top; }
.decide details[open] { display: block; }
.state { font-size: 0.85rem; margin-right: 0.6rem; }
.state.todo { color: #b45309; } .state.done { color: #15803d; } .state.rejected { color: #b91c1c; }
.decide.current { outline: 2px solid #2563eb; }
button { font: inherit; padding: 0.15rem 0.6rem; border: 1px solid #888; border-radius: 0.3rem; background: #fff; }
button:focus-visible, a:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
kbd { font-size: 0.75rem; border: 1px solid #aaa; border-radius: 0.2rem; padding: 0 0.2rem; }
.problem { background: #fee2e2; border: 1px solid #b91c1c; padding: 0.5rem 0.8rem; }
.history td, .history th { font-size: 0.8rem; }
textarea { width: 100%; font: inherit; }
</style>"""


@dataclass(frozen=True)
class Worklist:
    """The filters, search and sort the worklist was asked for (its URL's query)."""

    q: str = ""
    flag: str = ""
    code: str = ""
    state: str = ""
    sort: str = "disposition"

    def query(self) -> str:
        asked = {k: v for k, v in self.__dict__.items() if v and not (k == "sort" and v == "disposition")}
        return ("?" + urlencode(asked)) if asked else ""


def select(views: list[NoteView], asked: Worklist) -> list[NoteView]:
    """The notes the worklist shows, in its order: `review` first by default."""
    needle = asked.q.lower()
    chosen = [
        v
        for v in views
        if (not asked.flag or asked.flag in v.flags)
        and (not asked.code or any(line.code == asked.code for line in v.lines))
        and (not asked.state or asked.state == ("done" if v.done else "todo"))
        and (not needle or needle in v.label.lower() or needle in (v.text or "").lower())
    ]
    keys = {
        # Not by state: a note finished would move, and "next note" from it would skip the rest.
        "disposition": lambda v: (v.disposition != "review", v.label),
        "note": lambda v: v.label,
        "state": lambda v: (v.done, v.disposition != "review", v.label),
        "codes": lambda v: (-len(v.lines), v.label),
    }
    return sorted(chosen, key=keys.get(asked.sort, keys["disposition"]))


def worklist_page(views: list[NoteView], shown: list[NoteView], asked: Worklist, csrf: str, user: str) -> str:
    done = sum(v.done for v in views)
    dispositions = Counter(v.disposition for v in views)
    flags = sorted({f for v in views for f in v.flags})
    codes = sorted({line.code for v in views for line in v.lines})

    def options(name: str, values: list[str], current: str, label: str) -> str:
        items = "".join(
            f'<option value="{html.escape(v)}"{" selected" * (v == current)}>{html.escape(v)}</option>' for v in values
        )
        return f'<label>{label} <select name="{name}"><option value="">any</option>{items}</select></label>'

    rows = "".join(_row(v, asked) for v in shown)
    sorts = "".join(
        f'<option value="{s}"{" selected" * (s == asked.sort)}>{s}</option>'
        for s in ("disposition", "note", "state", "codes")
    )
    body = (
        f"<header><h1>vertcode workbench</h1>{made()}<p>Coder: {html.escape(user)}. "
        '<a href="/stats">Statistics</a></p></header>\n<main class="index">\n'
        f'<section class="counts"><p><b>{len(views)}</b> notes: <b>{len(views) - done}</b> to do, '
        f"<b>{done}</b> done; {dispositions['review']} review, {dispositions['auto']} auto.</p>"
        '<p>Export the done notes: <a href="/export/csv" download>CSV</a> · <a href="/export/fhir" download>FHIR</a>'
        ' · <a href="/export/hl7" download>HL7</a></p></section>\n'
        '<form class="filters" method="get" action="/">'
        f'<label>Search <input type="search" name="q" value="{html.escape(asked.q)}"></label>'
        + options("flag", flags, asked.flag, "Flag")
        + options("code", codes, asked.code, "Code")
        + options("state", ["todo", "done"], asked.state, "State")
        + f'<label>Sort <select name="sort">{sorts}</select></label><button type="submit">Show</button></form>\n'
        f"<p><kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens. {len(shown)} shown.</p>"
        '<table class="worklist"><thead><tr><th>note</th><th>disposition</th><th>codes</th><th>flags</th>'
        f"<th>state</th></tr></thead><tbody>{rows}</tbody></table>\n</main>"
    )
    return page("vertcode workbench", STYLE + body, WORKLIST_JS)


def _row(view: NoteView, asked: Worklist) -> str:
    codes = ", ".join(f"{line.code}×{line.units}" + " rejected" * (line.status == "rejected") for line in view.lines)
    codes = codes or "none"
    state = "done" if view.done else "to do"
    href = f"/note/{view.id}{asked.query()}"
    return (
        f'<tr data-href="{html.escape(href)}"><td><a href="{html.escape(href)}">{html.escape(view.label)}</a></td>'
        f'<td class="disposition {view.disposition}">{view.disposition}</td><td>{html.escape(codes)}</td>'
        f"<td>{html.escape(', '.join(view.flags))}</td><td>{state}</td></tr>"
    )


def note_page(
    view: NoteView, trail: list[dict], neighbours: tuple[int | None, int | None], asked: Worklist, csrf: str
) -> str:
    result = NoteResult.from_dict(view.result)
    back = asked.query()
    prev, nxt = neighbours
    links = [f'<a rel="index" href="/{html.escape(back)}">back to the worklist</a>']
    for rel, target, words in (("prev", prev, "previous note"), ("next", nxt, "next note")):
        if target is not None:
            links.append(f'<a rel="{rel}" href="/note/{target}{html.escape(back)}">{words}</a>')
    nav = f"<nav>{''.join(links)}</nav>"
    by_position = {line.position: line for line in view.lines if line.suggestion is not None}

    def extra(position: int, code_line: CodeLine) -> str:
        line = by_position.get(position)
        return _decide(view, line, csrf, back) if line else ""

    added = [line for line in view.lines if line.suggestion is None]
    aside = STYLE + _state(view) + _added(added) + _note_actions(view, result, csrf, back) + _history(trail)
    text = view.text
    if text is None:  # the spans' offsets point into a text this page does not have
        text = "(The note's text could not be read when it was imported: its spans cannot be shown.)"
        result.findings = []
        for code_line in result.codes:
            code_line.evidence = []
        for flag in result.flags:
            flag.evidence = []
    return render_note(result, text, nav=nav, line_extra=extra, aside=aside, script=NOTE_JS)


def _action(view: NoteView, path: str, csrf: str, back: str) -> str:
    return (
        f'method="post" action="/note/{view.id}/{path}{html.escape(back)}">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        f'<input type="hidden" name="version" value="{view.version_id}">'
    )


def _decide(view: NoteView, line: Line, csrf: str, back: str) -> str:
    where = f"line/{line.id}"
    rev = f'<input type="hidden" name="rev" value="{line.rev}">'
    state = _line_state(line)
    codes = "".join(f'<option value="{c}"{" selected" * (c == line.code)}>{c}</option>' for c in known_codes())
    reasons = "".join(f'<option value="{k}">{html.escape(v)}</option>' for k, v in REASONS.items())
    return (
        f'<tbody class="decide" data-line="{line.id}" data-status="{line.status}"><tr><td colspan="5">{state}'
        f'<form class="accept" {_action(view, where, csrf, back)}{rev}'
        '<input type="hidden" name="action" value="accept">'
        '<button type="submit">Accept <kbd>a</kbd></button></form>'
        f'<details class="edit"><summary>Edit <kbd>e</kbd></summary><form {_action(view, where, csrf, back)}{rev}'
        '<input type="hidden" name="action" value="edit">'
        f'<label>code <select name="code">{codes}</select></label> '
        '<label>units <input name="units" type="number" min="1" step="1" required '
        f'value="{line.units}" size="3"></label> '
        f'<label>modifiers <input name="modifiers" value="{html.escape(", ".join(line.modifiers))}" size="8" '
        f'title="{", ".join(MODIFIERS)}"></label> <button type="submit">Save</button></form></details>'
        f'<details class="reject"><summary>Reject <kbd>r</kbd></summary><form {_action(view, where, csrf, back)}{rev}'
        '<input type="hidden" name="action" value="reject">'
        f'<label>reason <select name="reason" required><option value="">choose…</option>{reasons}</select></label> '
        '<label>other: <input name="comment" size="20"></label> <button type="submit">Reject</button></form></details>'
        "</td></tr></tbody>"
    )


def _line_state(line: Line) -> str:
    if line.status == "todo":
        return '<span class="state todo">to do</span>'
    what = {"accepted": "accepted", "edited": "edited to", "added": "added", "rejected": "rejected"}[line.status]
    detail = (
        f": {html.escape(REASONS.get(line.reason or '', line.reason or ''))}"
        if line.status == "rejected"
        else f" {html.escape(line.code)} ×{line.units}"
        + (f" {html.escape('-'.join(line.modifiers))}" * bool(line.modifiers))
    )
    css = "rejected" if line.status == "rejected" else "done"
    return f'<span class="state {css}">{what}{detail} by {html.escape(line.decided_by or "")}</span>'


def _state(view: NoteView) -> str:
    return (
        f'<p class="note-state"><b>{"done" if view.done else "to do"}</b>'
        + (" · queried" if "query" in view.events else "")
        + "</p>"
    )


def _added(added: list[Line]) -> str:
    if not added:
        return ""
    items = "".join(
        "<li>"
        + html.escape(" ".join(x for x in (f"{line.code} ×{line.units}", "-".join(line.modifiers), *line.levels) if x))
        + f" (added by {html.escape(line.decided_by or '')})</li>"
        for line in added
    )
    return f'<h2>Lines added by coders</h2><ul class="added">{items}</ul>'


def _note_actions(view: NoteView, result: NoteResult, csrf: str, back: str) -> str:
    codes = "".join(f'<option value="{c}">{c}</option>' for c in known_codes())
    query = "\n".join(f"{f.kind}: {f.message}" for f in result.flags) or "Please clarify the procedure documented."
    confirm = (
        f'<form {_action(view, "event", csrf, back)}<input type="hidden" name="action" value="confirm">'
        '<button type="submit">Confirm: nothing to bill</button></form>'
        if not view.lines
        else ""
    )
    return (
        '<h2>The note</h2><div class="note-actions">'
        + confirm
        + f"<details><summary>Add a missing line</summary><form {_action(view, 'add', csrf, back)}"
        f'<label>code <select name="code">{codes}</select></label> '
        '<label>units <input name="units" type="number" min="1" step="1" required value="1" size="3"></label> '
        '<label>modifiers <input name="modifiers" size="8"></label> <label>levels <input name="levels" size="8">'
        '</label> <button type="submit">Add</button></form></details>'
        f"<details><summary>Comment</summary><form {_action(view, 'event', csrf, back)}"
        '<input type="hidden" name="action" value="comment"><textarea name="comment" rows="2" required></textarea>'
        '<button type="submit">Save the comment</button></form></details>'
        f"<details><summary>Query the physician</summary><form {_action(view, 'event', csrf, back)}"
        '<input type="hidden" name="action" value="query">'
        f'<textarea name="comment" rows="4" required>{html.escape(query)}</textarea>'
        '<button type="submit">Record the query</button></form></details></div>'
    )


def _history(trail: list[dict]) -> str:
    if not trail:
        return "<h2>History</h2><p>No decision yet.</p>"
    rows = []
    for d in trail:
        final = json.loads(d["final"]) if d["final"] else None
        suggested = json.loads(d["suggestion"]) if d["suggestion"] else None
        line = (
            f"{final['code']} ×{final['units']} {'-'.join(final['modifiers'])}"
            if final
            else ("" if suggested is None else f"{suggested['code']} ×{suggested['units']}")
        )
        words = " · ".join(x for x in (REASONS.get(d["reason"] or "", d["reason"] or ""), d["comment"] or "") if x)
        rows.append(
            f"<tr><td>{d['at']:%Y-%m-%d %H:%M:%S} UTC</td><td>{html.escape(d['user'])}</td>"
            f"<td>{html.escape(d['action'])}</td><td>{html.escape(line)}</td><td>{html.escape(words)}</td>"
            f"<td>v{d['version_id']}</td></tr>"
        )
    return (
        '<h2>History</h2><table class="history"><thead><tr><th>time</th><th>user</th><th>decision</th>'
        f"<th>line</th><th>reason, text</th><th>version</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def message_page(title: str, message: str, back: str) -> str:
    body = (
        f'<header><h1>{html.escape(title)}</h1></header><main class="index"><p class="problem">'
        f'{html.escape(message)}</p><p><a href="{html.escape(back)}">Back</a></p></main>'
    )
    return page(f"vertcode: {title}", STYLE + body, "")


def stats_page(stats: dict) -> str:
    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.0%}"

    def table(title: str, rows: dict) -> str:
        body = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{t['decided']}</td><td>{t['accepted']}</td><td>{t['edited']}</td>"
            f"<td>{t['rejected']}</td><td>{pct(t['acceptance'])}</td></tr>"
            for k, t in rows.items()
        )
        return (
            f"<h2>Per {title}</h2><table><thead><tr><th>{title}</th><th>decided</th><th>accepted</th><th>edited</th>"
            f"<th>rejected</th><th>acceptance</th></tr></thead><tbody>{body}</tbody></table>"
        )

    reasons = "".join(f"<li>{html.escape(r)}: {n}</li>" for r, n in stats["reasons"].items()) or "<li>none</li>"
    dispositions = "".join(
        f"<li><b>{d}</b>: {x['done']} done, {x['changed']} changed by coders ({pct(x['changed_share'])})</li>"
        for d, x in stats["dispositions"].items()
    )
    lines = stats["lines"]
    body = (
        '<header><nav><a href="/">back to the worklist</a></nav><h1>What the coders decided</h1></header>'
        f'<main class="index"><p>{stats["notes"]} notes, {stats["done"]} done; {lines["decided"]} lines decided: '
        f"{lines['accepted']} accepted, {lines['edited']} edited ({pct(stats['edited_share'])}), "
        f"{lines['rejected']} rejected ({pct(stats['rejected_share'])}); {lines['added']} added.</p>"
        f"<h2>Dispositions</h2><p>A changed <b>auto</b> note is a silent error in real work.</p><ul>{dispositions}</ul>"
        + table("code", stats["codes"])
        + table("flag", stats["flags"])
        + f"<h2>Reasons for rejecting</h2><ul>{reasons}</ul></main>"
    )
    return page("vertcode: statistics", STYLE + body, "")


WORKLIST_JS = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-href]'));
  var current = rows.length ? 0 : -1;
  function show() {
    rows.forEach(function (r, i) { r.classList.toggle('current', i === current); });
    if (current >= 0) rows[current].scrollIntoView({block: 'nearest'});
  }
  document.addEventListener('keydown', function (e) {
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'j' && current < rows.length - 1) { current++; show(); }
    else if (e.key === 'k' && current > 0) { current--; show(); }
    else if (e.key === 'Enter' && current >= 0 && e.target.tagName !== 'A') {
      window.location.href = rows[current].getAttribute('data-href');
    } else return;
    e.preventDefault();
  });
  show();
})();
"""

NOTE_JS = """
(function () {
  var lines = Array.prototype.slice.call(document.querySelectorAll('tbody.decide'));
  var current = lines.findIndex(function (l) { return l.getAttribute('data-status') === 'todo'; });
  if (current < 0) current = lines.length ? 0 : -1;
  function show() { lines.forEach(function (l, i) { l.classList.toggle('current', i === current); }); }
  function open(kind, field) {
    var box = lines[current].querySelector('details.' + kind);
    box.open = true;
    box.querySelector(field).focus();
  }
  document.addEventListener('keydown', function (e) {
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
    var next = document.querySelector('a[rel=next]');
    if (e.key === 'n' && next) { window.location.href = next.getAttribute('href'); }
    else if (current < 0) return;
    else if (e.key === 'a') { lines[current].querySelector('form.accept').submit(); }
    else if (e.key === 'e') { open('edit', 'input[name=units]'); }
    else if (e.key === 'r') { open('reject', 'select[name=reason]'); }
    else if (e.key === 'j' && current < lines.length - 1) { current++; show(); }
    else if (e.key === 'k' && current > 0) { current--; show(); }
    else return;
    e.preventDefault();
  });
  show();
})();
"""
