"""One note's review page: the text with its spans marked, the code lines, flags and errors."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vertcode import rules
from vertcode.model import CodeLine, Evidence, Flag, NoteResult
from vertcode.write.pages.common import asset, made, page, page_name

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
#: The steps of getting there: they support a code line but never change what is coded, so they
#: are underlined, untagged, until the reader asks for every tag.
QUIET = frozenset(
    {"ACCESS", "APPROACH", "LATERALITY", "GUIDANCE", "INJECTION", "INCLUDED", "TREATED", "EQUIPMENT", "HARDWARE"}
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
        # The narrowest span that decides colours the segment; all of them light up with it.
        deciding = [m for m in covering if not _quiet(m)]
        inner = min(deciding or covering, key=lambda m: m.evidence.end - m.evidence.start)
        label = inner.evidence.label
        kind = "context" if label in CONTEXT_NAMES or inner.status is not None else "ev"
        tags = "".join(
            f'<span class="tag{" quiet" * _quiet(m)}">{html.escape(_label(m))}</span>'
            for m in covering
            if m.evidence.end == end
        )
        out.append(
            f'<mark class="{kind}{"" if deciding else " quiet"}" data-span="{" ".join(m.ident for m in covering)}" '
            f'data-label="{html.escape(label)}" data-start="{inner.evidence.start}" data-end="{inner.evidence.end}" '
            f'style="--c: {COLOURS.get(label, DEFAULT_COLOUR)}">{piece}{tags}</mark>'
        )
    return "".join(out)


def _quiet(mark: _Mark) -> bool:
    return mark.evidence.label in QUIET and mark.status is None


def _label(mark: _Mark) -> str:
    label = CONTEXT_NAMES.get(mark.evidence.label, mark.evidence.label)
    return f"{label} · {mark.status}" if mark.status else label


def render_note(
    result: NoteResult,
    text: str,
    *,
    index: str | None = None,
    nav: str | None = None,
    line_extra: Callable[[int, CodeLine], str] | None = None,
    aside: str = "",
    script: str = "",
) -> str:
    """The review page of one coded note. `index`, the address of a batch's index page beside
    it, adds links to it and to the previous and next note; those go through the index, the one
    page that knows the batch's order (and the reader's filter), so a page written while the
    batch runs needs no rewriting when it ends.

    For an application built on the page (the workbench): `nav` replaces the links, `line_extra`
    gives HTML shown under each code line (by its position), `aside` HTML after the codes and
    flags, and `script` more script run after the page's own (under the same policy)."""
    marks, idents = _marks(result)
    codes = (
        '<table class="codes"><thead><tr><th scope="col">code</th><th scope="col">units</th>'
        '<th scope="col">levels</th><th scope="col">modifiers</th><th scope="col">disposition</th></tr>'
        '<tr><th scope="colgroup" colspan="5">description and rationale</th></tr></thead>'
        + "".join(
            _code_line(line, result.flags, idents) + (line_extra(i, line) if line_extra else "")
            for i, line in enumerate(result.codes)
        )
        + "</table>"
        if result.codes
        else "<p>No code suggested.</p>"
    )
    flags = "".join(
        f'<li data-spans="{_spans(flag.evidence, idents)}" '
        f'data-kind="{html.escape(flag.kind)}"><span class="kind">{html.escape(flag.kind)}</span>: '
        f"{_cite_rules(flag.message)}</li>"
        for flag in result.flags
    )
    errors = "".join(f"<li>{html.escape(e)}</li>" for e in result.errors)
    listed = "".join(
        f'<li data-spans="{m.ident}" data-start="{m.evidence.start}" data-end="{m.evidence.end}">'
        f"{m.evidence.start}&ndash;{m.evidence.end} <b>{html.escape(_label(m))}</b> "
        f"&ldquo;{html.escape(m.evidence.text)}&rdquo;</li>"
        for m in marks
    )
    links = _nav(result.note, index) if nav is None else nav
    body = (
        f"<header>{links}<h1>{html.escape(result.note)}</h1>{made()}</header>\n<main>\n"
        f'<div>{_tag_toggle(marks)}<div class="note">{_highlight(text, marks)}</div></div>\n'
        f'<aside>\n<p class="disposition {result.disposition}">{_disposition(result)}</p>\n'
        f"<h2>Codes</h2>\n{codes}\n"
        + (f'<h2>Flags</h2>\n<ul class="flags">{flags}</ul>\n' if flags else "")
        + _rules_cited([line.rationale for line in result.codes] + [flag.message for flag in result.flags])
        + (f'<h2>Errors</h2>\n<ul class="errors">{errors}</ul>\n' if errors else "")
        + _claim(result)
        + aside
        + (
            f"<details><summary>All evidence ({len(marks)} spans, character offsets)</summary>"
            f'<ul class="spans">{listed}</ul></details>\n'
            if marks
            else ""
        )
        + "</aside>\n</main>"
    )
    return page(f"vertcode: {result.note}", body, asset("note.js") + ("\n" + script if script else ""))


def _claim(result: NoteResult) -> str:
    """The claim beyond the codes: diagnoses with the lines they support, queries, the coverage
    elements not found, edits; each with the words of the note it rests on."""
    claim = result.claim
    if claim is None:
        return ""

    def cited(evidence) -> str:
        return "".join(f' <q title="characters {e.start}-{e.end}">{html.escape(e.text)}</q>' for e in evidence)

    dos = f", date of service {html.escape(claim.dos)}" if claim.dos else ""
    parts = [f'<h2>Claim</h2>\n<p class="claim {claim.status}">claim: {claim.status}{dos}</p>']
    if claim.diagnoses:
        parts.append(
            '<ol class="diagnoses">'
            + "".join(
                f'<li><span class="kind">{html.escape(d.code)}</span> {html.escape(d.description)} '
                f"({html.escape(' '.join(d.levels))}; supports {html.escape(' '.join(d.lines))}){cited(d.evidence)}"
                + (f"<br><small>{html.escape(d.review)}</small>" if d.review else "")
                + "</li>"
                for d in claim.diagnoses
            )
            + "</ol>"
        )
    if claim.queries:
        parts.append(
            '<h3>Queries</h3><ul class="queries">'
            + "".join(
                f'<li><span class="kind">{html.escape(q.kind)}</span>: '
                f"{html.escape(q.question)}{cited(q.evidence)}</li>"
                for q in claim.queries
            )
            + "</ul>"
        )
    open_items = [i for i in claim.checklist if i.status in ("missing", "contraindicated", "caution")]
    if claim.checklist:
        found = len(claim.checklist) - len(open_items)
        parts.append(
            f"<h3>Coverage checklist ({found} of {len(claim.checklist)} found)</h3>"
            + '<ul class="checklist">'
            + "".join(
                f'<li><span class="kind">{html.escape(i.element)}</span> {html.escape(i.status)}: '
                f"{html.escape(i.detail or i.query or '')} <small>{html.escape(', '.join(i.policies))}</small></li>"
                for i in open_items
            )
            + "</ul>"
        )
    if claim.edits:
        parts.append(
            '<h3>Edits</h3><ul class="edits">'
            + "".join(
                f'<li><span class="kind">{html.escape(e.code)} {html.escape(e.kind)}</span> '
                f"({html.escape(e.severity)}): "
                f"{html.escape(e.message)} <small>{html.escape(e.rule)}</small></li>"
                for e in claim.edits
            )
            + "</ul>"
        )
    return "\n".join(parts) + "\n"


def _nav(note: str, index: str | None) -> str:
    if index is None:
        return ""
    links = (("index", "at", "index"), ("prev", "prev", "previous note"), ("next", "next", "next note"))
    return (
        "<nav>"
        + "".join(
            f'<a rel="{rel}" href="{html.escape(f"{index}#{asked}={page_name(note)}")}">{words}</a>'
            for rel, asked, words in links
        )
        + "</nav>"
    )


def _tag_toggle(marks: list[_Mark]) -> str:
    quiet = sum(map(_quiet, marks))
    if not quiet:
        return ""
    return (
        f'<p class="controls"><button type="button" id="all-tags" aria-pressed="false">Tag all {len(marks)} spans'
        f"</button> {len(marks) - quiet} decide the codes and are tagged; {quiet} more (access, approach, guidance, "
        "laterality, injection, included services) are underlined.</p>"
    )


def _spans(evidence: Iterable[Evidence], idents: dict[Evidence, str]) -> str:
    return " ".join(sorted({idents[ev] for ev in evidence}, key=lambda s: int(s[1:])))


def _code_line(line: CodeLine, flags: list[Flag], idents: dict[Evidence, str]) -> str:
    """A code line as two rows in a body of its own, so hovering either lights its spans: the
    short columns, then the description across the panel's full width, where it reads."""
    if line.review:
        reasons = ", ".join(
            f'<span title="{html.escape(f.message)}">{html.escape(f.kind)}</span>' for f in _reasons(line, flags)
        )
        disposition = '<span class="review">review</span>' + (
            reasons and f'<br><small class="reason">{reasons}</small>'
        )
    else:
        disposition = "auto"
    return (
        f'<tbody data-spans="{_spans(line.evidence, idents)}" data-code="{html.escape(line.code)}">'
        f"<tr><td><b>{html.escape(line.code)}</b></td><td>{line.units}</td>"
        f"<td>{html.escape(' '.join(line.levels))}</td>"
        f"<td>{html.escape(', '.join(line.modifiers)) or '&ndash;'}</td><td>{disposition}</td></tr>"
        f'<tr><td colspan="5" class="description">{html.escape(line.description)}<br>'
        f"<small>{_cite_rules(line.rationale)}</small></td></tr></tbody>"
    )


def _cite_rules(text: str) -> str:
    """The text, escaped, each "rule N" it cites a link to rule N's text below (its title shows it
    on hover); in "rules 2, 3" each number is a link."""
    written, end = [], 0
    for start, stop, numbers in rules.citations(text):
        citation = text[start:stop]
        if len(numbers) == 1:
            linked = _rule_link(numbers[0], html.escape(citation))
        else:
            linked = re.sub(r"\d+", lambda m: _rule_link(int(m.group()), m.group()), html.escape(citation))
        written += [html.escape(text[end:start]), linked]
        end = stop
    return "".join([*written, html.escape(text[end:])])


def _rule_link(number: int, label: str) -> str:
    known = rules.numbered().get(number)
    if known is None:
        return label
    return f'<a class="rule" href="#rule-{number}" title="{html.escape(known)}">{label}</a>'


def _rules_cited(texts: list[str]) -> str:
    """The text of every rule the code lines and flags cite, from the shipped coding rules."""
    numbers = sorted({n for text in texts for n in rules.cited(text) if n in rules.numbered()})
    if not numbers:
        return ""
    # The rule as the document words it, without its Markdown emphasis.
    worded = {n: rules.numbered()[n].split(". ", 1)[1].replace("**", "") for n in numbers}
    items = "".join(f'<li id="rule-{n}"><b>Rule {n}.</b> {html.escape(worded[n])}</li>' for n in numbers)
    return f'<h2>Coding rules cited</h2>\n<ul class="rules">{items}</ul>\n'


def _reasons(line: CodeLine, flags: list[Flag]) -> list[Flag]:
    """The flags behind a line's review: those citing its spans or naming its code; a line
    marked for review that no flag names is explained by all of the note's flags."""
    cited = set(line.evidence)
    own = [flag for flag in flags if cited.intersection(flag.evidence) or line.code in flag.message]
    return own or flags


def _disposition(result: NoteResult) -> str:
    if result.disposition == "auto":
        # "auto" alone reads as "fine to bill" on a note that bills nothing.
        return "<b>auto</b>: " + ("" if result.codes else "no code; ") + "nothing in the note is unexplained"
    reasons = ", ".join(dict.fromkeys(f.kind for f in result.flags)) or "error"
    return f"<b>review</b>: {html.escape(reasons)}"
