"""Writing results as a table on a terminal (rich).

Per note: its name and disposition, then one row per code line (code, units, modifiers,
levels, and "ok" or the reasons it needs review) with the evidence beneath it, then the flags.
Every wrapped line hangs under the start of its text, never at column 0, at any width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TextIO

from vertcode.model import CodeLine, Evidence, NoteResult

#: The labels of the spans that decide a code, in the order a coder checks them: where, by what
#: technique, with which cavity device, and the cement (or biopsy, or sedation) delivered there.
#: Every one of them is shown; the spans that only support the code are shortened.
DECIDING = ("LEVEL", "TECHNIQUE", "DEVICE", "CEMENT", "BIOPSY", "SEDATION", "SEDATION_TIME", "OBSERVER")
#: Supporting spans shown per code line; the rest are counted (`-f json` lists them all).
SUPPORTING_SHOWN = 6

_COLUMNS = ("code", "units", "mod", "levels", "disposition")
_INDENT = "  "
_GAP = "  "
#: Joins the words of a span so that wrapping never splits it ("'same procedure'@180"); written as
#: a space. textwrap breaks at ASCII white space only.
_KEEP = "\u00a0"


#: Checklist states a coder acts on.
_OPEN = ("missing", "contraindicated", "caution")


def printable(text: str) -> str:
    """Text as a terminal should show it: a newline or escape sequence in a file name is written
    as \\n or \\x1b, so it can neither fake a summary line nor drive the terminal."""
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def evidence_text(evidence: list[Evidence]) -> str:
    """The deciding spans by label ("level 'T7'@47; device 'curette'@126; cement ..."), each
    distinct word at its first place, then the supporting ones."""
    first: dict[tuple[str, str], Evidence] = {}
    for ev in sorted(evidence):
        first.setdefault((ev.label, ev.text.lower()), ev)
    groups = []
    for label in DECIDING:
        spans = [ev for (lab, _), ev in first.items() if lab == label]
        if spans:
            groups.append(f"{label.lower().replace('_', ' ')} " + ", ".join(_span(ev) for ev in spans))
    rest = [ev for (label, _), ev in first.items() if label not in DECIDING]
    if rest:
        more = len(rest) - SUPPORTING_SHOWN
        groups.append(
            "also "
            + ", ".join(_span(ev) for ev in rest[:SUPPORTING_SHOWN])
            + (f" (+{more}{_KEEP}more)" if more > 0 else "")
        )
    return "; ".join(groups)


def _span(ev: Evidence) -> str:
    return f"'{printable(' '.join(ev.text.split())).replace(' ', _KEEP)}'@{ev.start}"


def disposition_text(line: CodeLine) -> str:
    return "review: " + ", ".join(line.review_reasons) if line.review else "ok"


def write_table(results: Iterable[NoteResult], stream: TextIO, width: int | None = None) -> None:
    """The table for each note; `width` defaults to the terminal's (80 when it is not one)."""
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, width=width)
    for result in results:
        for line, style in _note_lines(result, console.width):
            console.print(Text(line, style=style), soft_wrap=True)
        console.print()


def _note_lines(result: NoteResult, width: int) -> list[tuple[str, str]]:
    """The note's lines with the style of each, wrapped to `width`."""
    reasons = ", ".join(dict.fromkeys(f.kind for f in result.flags)) or ("error" if result.errors else "")
    disposition = f"review: {reasons}" if result.disposition == "review" else "auto"
    header = textwrap.wrap(
        printable(result.note) + "  " + disposition, width, subsequent_indent=_INDENT, break_on_hyphens=False
    )
    lines = [(text, "bold") for text in header]
    for error in result.errors:
        lines += [(text, "red") for text in _wrap(["error", error], [5], width)]
    if result.codes:
        rows = [
            [line.code, str(line.units), " ".join(line.modifiers), " ".join(line.levels), disposition_text(line)]
            for line in result.codes
        ]
        widths = [max(len(row[i]) for row in [list(_COLUMNS), *rows]) for i in range(len(_COLUMNS) - 1)]
        # Long level lists wrap in their column rather than push the disposition off the screen.
        widths[3] = min(widths[3], max(len("levels"), width // 4))
        lines += [(text, "bold") for text in _wrap(list(_COLUMNS), widths, width)]
        hang = [widths[0]]  # evidence starts under the units column: the codes stand alone at the left
        for row, line in zip(rows, result.codes, strict=True):
            lines += [(text, "yellow" if line.review else "") for text in _wrap(row, widths, width)]
            lines += [(text, "dim") for text in _wrap(["", evidence_text(line.evidence)], hang, width)]
    elif not result.errors:
        lines.append((_INDENT + "no code", ""))
    for flag in result.flags:
        lines += [(text, "yellow") for text in _wrap(["flag", f"{flag.kind}: {flag.message}"], [4], width)]
    claim = result.claim
    if claim is not None:
        dos = f", date of service {claim.dos}" if claim.dos else ""
        lines.append((f"{_INDENT}claim: {claim.status}{dos}", "bold"))
        for d in claim.diagnoses:
            text = f"{d.code} {d.description} ({' '.join(d.levels)}; supports {' '.join(d.lines)})"
            lines += [(t, "") for t in _wrap(["dx", text], [5], width)]
        for q in claim.queries:
            lines += [(t, "yellow") for t in _wrap(["query", f"{q.kind}: {q.question}"], [5], width)]
        if claim.checklist:
            # One line: the queries themselves are in the JSON, CSV and the review page.
            found = sum(i.status == "found" for i in claim.checklist)
            said = f"{found} of {len(claim.checklist)} found"
            for state in _OPEN:
                named = [i.element for i in claim.checklist if i.status == state]
                said += f"; {state}: {', '.join(named)}" if named else ""
            lines += [(t, "dim") for t in _wrap(["lcd", said], [5], width)]
        for e in claim.edits:
            style = "red" if e.severity == "edit" else "yellow"
            lines += [(t, style) for t in _wrap(["edit", f"{e.code} {e.kind}: {e.message} [{e.rule}]"], [5], width)]
    return lines


def _wrap(cells: list[str], widths: list[int], width: int) -> list[str]:
    """One row of cells side by side, each wrapped within its column; the last cell takes the
    rest of the width (at least a third of it, so a narrow terminal still reads)."""
    widths = [*widths, max(width - len(_INDENT) - sum(w + len(_GAP) for w in widths), width // 3)]
    columns = [textwrap.wrap(cell, w, break_on_hyphens=False) or [""] for cell, w in zip(cells, widths, strict=True)]
    rows = []
    for i in range(max(len(column) for column in columns)):
        parts = [(column[i] if i < len(column) else "").ljust(w) for column, w in zip(columns, widths, strict=True)]
        rows.append((_INDENT + _GAP.join(parts)).rstrip().replace(_KEEP, " "))
    return rows
