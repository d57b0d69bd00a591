"""Small helpers the coding rules share: evidence of findings, and lists in prose."""

from __future__ import annotations

from collections.abc import Iterable

from vertcode.model import Evidence, Finding


def evidence_of(findings: Iterable[Finding]) -> list[Evidence]:
    return sorted({e for f in findings for e in f.evidence})


def join(items: Iterable[str]) -> str:
    """ "T7", "T7 and T8", "T7, T8 and T9"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
