"""Writing results as a table on a terminal (rich)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from vertcode.model import Evidence, NoteResult

_TABLE_LABEL_ORDER = (
    "LEVEL",
    "TECHNIQUE",
    "DEVICE",
    "REPEAT",
    "CEMENT",
    "ACCESS",
    "APPROACH",
    "LATERALITY",
    "GUIDANCE",
    "BIOPSY",
)
_TABLE_EVIDENCE = 8


def _evidence_summary(evidence: list[Evidence]) -> str:
    """The first place each distinct word is cited, levels and techniques first; JSON has all."""
    first: dict[tuple[str, str], Evidence] = {}
    for ev in evidence:
        first.setdefault((ev.label, ev.text.lower()), ev)
    rank = {label: i for i, label in enumerate(_TABLE_LABEL_ORDER)}
    shown = sorted(first.values(), key=lambda e: (rank.get(e.label, len(rank)), e.start))
    text = ", ".join(f"{e.text!r}@{e.start}" for e in shown[:_TABLE_EVIDENCE])
    if len(shown) > _TABLE_EVIDENCE:
        text += f" (+{len(shown) - _TABLE_EVIDENCE} more)"
    return text


def printable(text: str) -> str:
    """Text as a terminal should show it: a newline or escape sequence in a file name is written
    as \\n or \\x1b, so it can neither fake a summary line nor drive the terminal."""
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def write_table(results: Iterable[NoteResult], stream: TextIO) -> None:
    """A table of code lines per note with the evidence text, and the flags beneath it."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=stream, highlight=False, soft_wrap=False)
    for result in results:
        reasons = ", ".join(dict.fromkeys(f.kind for f in result.flags)) or ("error" if result.errors else "")
        disposition = f"review: {reasons}" if result.disposition == "review" else "auto"
        console.print(f"[bold]{escape(printable(result.note))}[/bold]  {escape(disposition)}")
        for error in result.errors:
            console.print(f"  [red]error:[/red] {escape(error)}")
        if result.codes:
            table = Table(show_edge=False, pad_edge=False, box=None)
            for column in ("code", "units", "levels", "review", "evidence"):
                table.add_column(column, overflow="fold")
            for line in result.codes:
                evidence = _evidence_summary(line.evidence)
                table.add_row(
                    line.code, str(line.units), " ".join(line.levels), "REVIEW" if line.review else "", escape(evidence)
                )
            console.print(table)
        elif not result.errors:
            console.print("  no code")
        for flag in result.flags:
            console.print(f"  [yellow]flag[/yellow] {flag.kind}: {escape(flag.message)}")
        console.print()
