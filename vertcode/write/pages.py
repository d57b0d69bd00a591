"""Review pages: the note with its evidence highlighted beside the suggested codes.

One self-contained HTML page per note (no network, no external script or font), in displaCy's
span-visualiser conventions: each evidence span is marked in the text with its label, coloured by
label. Hovering a code line or a flag highlights the spans behind it; clicking pins it. The note
is escaped, never interpreted: a note holding `<script>` shows it as text, and the page's
Content-Security-Policy lets only the page's own script run.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vertcode.model import Evidence, NoteResult

# displaCy-like colours, by label; context triggers share the colour of what they say.
COLOURS = {
    "LEVEL": "#7aecec",
    "TECHNIQUE": "#bfeeb7",
    "DEVICE": "#feca74",
    "CEMENT": "#c887fb",
    "ACCESS": "#ddd",
    "REPEAT": "#bfe1d9",
    "APPROACH": "#9cc9cc",
    "LATERALITY": "#aa9cfc",
    "GUIDANCE": "#e4e7d2",
    "BIOPSY": "#ffeb80",
    "INCLUDED": "#e4e7d2",
    "SEDATION": "#f0d0ff",
    "OBSERVER": "#f0d0ff",
    "DURATION": "#f0d0ff",
    "SEDATION_TIME": "#f0d0ff",
    "OPEN": "#ff8197",
    "HISTORICAL": "#d6d6d6",
    "HYPOTHETICAL": "#d6d6d6",
    "NEGATED_EXISTENCE": "#ffb3b3",
    "ABORTED": "#ffb3b3",
    "LANDMARK": "#d6d6d6",
}
#: Context triggers, as a coder calls them.
CONTEXT_NAMES = {
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "planned",
    "NEGATED_EXISTENCE": "negated",
    "ABORTED": "aborted",
    "LANDMARK": "landmark",
}
DEFAULT_COLOUR = "#ddd"

_SCRIPT = """
document.querySelectorAll('[data-spans]').forEach(function (item) {
  var ids = item.getAttribute('data-spans').split(' ').filter(Boolean);
  function mark(on) {
    ids.forEach(function (id) {
      document.querySelectorAll('[data-span~="' + id + '"]').forEach(function (el) {
        el.classList.toggle('active', on);
      });
    });
  }
  item.addEventListener('mouseenter', function () { mark(true); });
  item.addEventListener('mouseleave', function () { if (!item.classList.contains('pinned')) mark(false); });
  item.addEventListener('click', function () {
    item.classList.toggle('pinned');
    mark(item.classList.contains('pinned'));
  });
});
""".strip()

_SORT_SCRIPT = """
document.querySelectorAll('th[data-column]').forEach(function (head) {
  head.addEventListener('click', function () {
    var table = head.closest('table'), body = table.tBodies[0], column = +head.getAttribute('data-column');
    var rows = Array.prototype.slice.call(body.rows), up = head.getAttribute('aria-sort') !== 'ascending';
    rows.sort(function (a, b) {
      var x = a.cells[column].getAttribute('data-sort'), y = b.cells[column].getAttribute('data-sort');
      return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    head.setAttribute('aria-sort', up ? 'ascending' : 'descending');
  });
});
""".strip()

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; }
header { padding: 0.8rem 1.2rem; background: #f4f4f4; border-bottom: 1px solid #ddd; }
h1 { font-size: 1.1rem; margin: 0; word-break: break-all; }
main { display: flex; gap: 1.2rem; padding: 1rem 1.2rem; align-items: flex-start; }
.note { flex: 3; white-space: pre-wrap; line-height: 2.4; font-size: 0.95rem; }
aside { flex: 2; position: sticky; top: 0.5rem; }
mark { padding: 0.15em 0.3em; border-radius: 0.3em; color: inherit; }
mark .tag { font-size: 0.65em; font-weight: bold; text-transform: uppercase; margin-left: 0.35em;
            vertical-align: middle; opacity: 0.75; }
mark.active { outline: 3px solid #d33; }
mark.context { text-decoration: line-through; text-decoration-color: #888; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #eee; vertical-align: top; }
tr[data-spans], li[data-spans] { cursor: pointer; }
tr[data-spans]:hover, tr.pinned, li[data-spans]:hover, li.pinned { background: #fff3cd; }
.review { color: #b45309; font-weight: bold; }
.disposition.review { color: #b45309; }
.disposition.auto { color: #15803d; }
.flags li { margin-bottom: 0.5rem; }
.kind { font-weight: bold; }
.errors { color: #b91c1c; }
th[data-column] { cursor: pointer; }
""".strip()


def _csp(*scripts: str) -> str:
    """Only this page's own scripts may run: a note can never bring one in."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src {hashes}; img-src data:"


def _page(title: str, body: str, script: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp(script)}">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{_STYLE}\n</style>\n</head>\n<body>\n{body}\n"
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


@dataclass(frozen=True)
class _Mark:
    ident: str
    evidence: Evidence
    status: str | None  # a finding's status when it is not treated, shown beside its label


def _marks(result: NoteResult) -> tuple[list[_Mark], dict[Evidence, str]]:
    """One mark per distinct evidence span, numbered in text order."""
    status: dict[Evidence, str | None] = {}
    for finding in result.findings:
        for ev in finding.evidence:
            if ev.label == "LEVEL" and finding.status != "treated":
                status.setdefault(ev, finding.status)
    spans = {ev for ev in status}
    spans.update(ev for line in result.codes for ev in line.evidence)
    spans.update(ev for flag in result.flags for ev in flag.evidence)
    spans.update(ev for finding in result.findings for ev in finding.evidence)
    ordered = sorted(spans)
    idents = {ev: f"e{i}" for i, ev in enumerate(ordered)}
    return [_Mark(idents[ev], ev, status.get(ev)) for ev in ordered], idents


def _highlight(text: str, marks: list[_Mark]) -> str:
    """The note, escaped, with every span marked; overlapping spans split into segments."""
    cuts = sorted({0, len(text)} | {m.evidence.start for m in marks} | {m.evidence.end for m in marks})
    out = []
    # The marks covering each segment, kept as the segments go: asking every mark at every
    # segment took a note listing 10,000 levels 142 s. `marks` is in text order.
    covering: list[_Mark] = []
    waiting = iter(marks)
    upcoming = next(waiting, None)
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in covering if m.evidence.end > start]
        while upcoming is not None and upcoming.evidence.start <= start:
            if upcoming.evidence.end > start:
                covering.append(upcoming)
            upcoming = next(waiting, None)
        piece = html.escape(text[start:end])
        if not covering:
            out.append(piece)
            continue
        # The narrowest span colours the segment; all of them light up with it.
        inner = min(covering, key=lambda m: m.evidence.end - m.evidence.start)
        label = inner.evidence.label
        context = label in CONTEXT_NAMES or inner.status is not None
        tags = "".join(f'<span class="tag">{html.escape(_label(m))}</span>' for m in covering if m.evidence.end == end)
        out.append(
            f'<mark class="{"context" if context else "ev"}" data-span="{" ".join(m.ident for m in covering)}" '
            f'data-label="{html.escape(label)}" data-start="{inner.evidence.start}" data-end="{inner.evidence.end}" '
            f'style="background: {COLOURS.get(label, DEFAULT_COLOUR)}">{piece}{tags}</mark>'
        )
    return "".join(out)


def _label(mark: _Mark) -> str:
    label = CONTEXT_NAMES.get(mark.evidence.label, mark.evidence.label)
    return f"{label} · {mark.status}" if mark.status else label


def render_note(result: NoteResult, text: str) -> str:
    """The review page of one coded note."""
    marks, idents = _marks(result)
    rows = []
    for line in result.codes:
        spans = " ".join(sorted({idents[ev] for ev in line.evidence}, key=lambda s: int(s[1:])))
        rows.append(
            f'<tr data-spans="{spans}" data-code="{html.escape(line.code)}">'
            f"<td><b>{html.escape(line.code)}</b></td><td>{line.units}</td>"
            f"<td>{html.escape(' '.join(line.levels))}</td>"
            f"<td>{html.escape(', '.join(line.modifiers))}</td>"
            f"<td>{'<span class=review>review</span>' if line.review else ''}</td>"
            f"<td>{html.escape(line.description)}<br><small>{html.escape(line.rationale)}</small></td></tr>"
        )
    codes = (
        '<table class="codes"><thead><tr><th>code</th><th>units</th><th>levels</th><th>modifiers</th>'
        "<th></th><th>description</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        if rows
        else "<p>No code suggested.</p>"
    )
    flags = "".join(
        f'<li data-spans="{" ".join(sorted({idents[ev] for ev in flag.evidence}, key=lambda s: int(s[1:])))}" '
        f'data-kind="{html.escape(flag.kind)}"><span class="kind">{html.escape(flag.kind)}</span>: '
        f"{html.escape(flag.message)}</li>"
        for flag in result.flags
    )
    errors = "".join(f"<li>{html.escape(e)}</li>" for e in result.errors)
    listed = "".join(
        f'<li data-spans="{m.ident}" data-start="{m.evidence.start}" data-end="{m.evidence.end}">'
        f"{m.evidence.start}&ndash;{m.evidence.end} <b>{html.escape(_label(m))}</b> "
        f"&ldquo;{html.escape(m.evidence.text)}&rdquo;</li>"
        for m in marks
    )
    body = (
        f"<header><h1>{html.escape(result.note)}</h1></header>\n<main>\n"
        f'<div class="note">{_highlight(text, marks)}</div>\n'
        f'<aside>\n<p class="disposition {result.disposition}">{_disposition(result)}</p>\n'
        f"<h2>Codes</h2>\n{codes}\n"
        + (f'<h2>Flags</h2>\n<ul class="flags">{flags}</ul>\n' if flags else "")
        + (f'<h2>Errors</h2>\n<ul class="errors">{errors}</ul>\n' if errors else "")
        + (
            f"<details><summary>All evidence ({len(marks)} spans, character offsets)</summary>"
            f'<ul class="spans">{listed}</ul></details>\n'
            if marks
            else ""
        )
        + "</aside>\n</main>"
    )
    return _page(f"vertcode: {result.note}", body, _SCRIPT)


def _disposition(result: NoteResult) -> str:
    if result.disposition == "auto":
        return "<b>auto</b>: nothing in the note is unexplained"
    reasons = ", ".join(dict.fromkeys(f.kind for f in result.flags)) or "error"
    return f"<b>review</b>: {html.escape(reasons)}"


def render_index(results: Iterable[dict], page_dir: Path) -> str:
    """A page listing every note (JSON results as written) with its codes and flags, each linked
    to its review page when there is one; click a column heading to sort by it."""
    rows = []
    for result in results:
        codes = ", ".join(f"{c['code']} x{c['units']}" for c in result["codes"])
        kinds = ", ".join(f["kind"] for f in result["flags"])
        status = "error" if result["errors"] else result.get("disposition", "review" if result["flags"] else "auto")
        name = html.escape(result["note"])
        page = page_name(result["note"])
        link = f'<a href="{html.escape(page)}">{name}</a>' if (page_dir / page).exists() else name
        rows.append(
            f'<tr><td data-sort="{name}">{link}</td><td data-sort="{html.escape(codes)}">{html.escape(codes)}</td>'
            f'<td data-sort="{html.escape(kinds or "~")}">{html.escape(kinds)}</td>'
            f'<td data-sort="{status}">{status}</td></tr>'
        )
    body = (
        "<header><h1>vertcode review</h1></header>\n<main><table><thead><tr>"
        '<th data-column="0">note</th><th data-column="1">codes</th><th data-column="2">flags</th>'
        '<th data-column="3">status</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></main>"
    )
    return _page("vertcode review", body, _SORT_SCRIPT)


def page_name(note: str) -> str:
    """A file name for a note's page, unique per note path, and one any file system takes: ASCII
    letters, digits and `-_.` only, at most 100 characters before the hash of the full name
    (surrogate escapes of a name that is not UTF-8 included)."""
    stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in Path(note).name)
    digest = hashlib.sha256(note.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem[:100]}-{digest}.html"
