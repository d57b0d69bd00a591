"""One note's claim: the diagnoses, the queries, the coverage checklist, the edits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vertcode.claim_model import Claim, ClaimText
from vertcode.claims import checklist, diagnoses, icd10
from vertcode.model import CodeLine, Finding
from vertcode.patterns import load_claim_reading


def build_claim(
    codes: Sequence[CodeLine],
    findings: Sequence[Finding],
    text: ClaimText | None,
    *,
    dos: str | None = None,
    patterns_dir: str | Path | None = None,
) -> Claim | None:
    """The claim of a note that codes something (None otherwise). `dos`, given by the user,
    wins over the date of service the note states."""
    if not codes:
        return None
    text = text or ClaimText()
    table = icd10.load(patterns_dir)
    questions = load_claim_reading(patterns_dir)["queries"]
    found, queries = diagnoses.suggest(codes, findings, text, table=table, questions=questions)
    items = checklist.check(codes, text, found, elements=checklist.load(patterns_dir))
    stated = text.date_of_service[0] if text.date_of_service else None
    return Claim(dos=dos or stated, diagnoses=found, queries=queries, checklist=items)
