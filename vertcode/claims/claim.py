"""One note's claim: the diagnoses, the queries, the coverage checklist, the edits, the payer's flags."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vertcode.claim_model import Claim, ClaimText
from vertcode.claim_patterns import load_claim_reading
from vertcode.claims import checklist, diagnoses, icd10, payer, tables
from vertcode.claims.edits import ChargeLine, check_lines
from vertcode.model import CodeLine, Finding, Flag


@dataclass(frozen=True)
class ClaimOptions:
    """What the user says about the claims (the note cannot): the date of service (ISO) over the
    note's own, the payer, the state and the setting for prior authorization, and charge lines
    built elsewhere (by note name or id) to check instead of the suggested ones."""

    dos: str | None = None
    payer: str | None = None
    state: str | None = None
    setting: str | None = None
    charges: Mapping[str, Sequence[ChargeLine]] = field(default_factory=dict)


def claim_value_problem(option: str, value: str) -> str | None:
    """What is wrong with a date of service or a state as given (None: nothing), in words."""
    if option == "dos":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"{value!r} is not a date; write it YYYY-MM-DD"
    if option == "state" and not (len(value.strip()) == 2 and value.strip().isalpha()):
        return f"{value!r} is not the two-letter postal code of a state (TX, OH, ...)"
    return None


def build_claim(
    codes: Sequence[CodeLine],
    findings: Sequence[Finding],
    text: ClaimText | None,
    *,
    options: ClaimOptions | None = None,
    note: str = "",
    patterns_dir: str | Path | None = None,
) -> tuple[Claim | None, list[Flag]]:
    """The claim of a note that codes something, or whose charge lines the user gave (None
    otherwise), and the payer's flags (prior authorization) to add to the note's."""
    options = options or ClaimOptions()
    charges = options.charges.get(note)
    if not codes and not charges:
        return None, []
    text = text or ClaimText()
    stated = text.date_of_service[0] if text.date_of_service else None
    dos = options.dos or stated
    day = datetime.date.fromisoformat(dos) if dos else None
    table = icd10.load(patterns_dir)
    questions = load_claim_reading(patterns_dir)["queries"]
    found, queries = diagnoses.suggest(codes, findings, text, table=table, questions=questions)
    items = checklist.check(codes, text, found, elements=checklist.load(patterns_dir))
    claim_tables = tables.load(Path(patterns_dir) / "claims" if patterns_dir else None)
    lines = (
        list(charges) if charges else [ChargeLine(c.code, c.units, tuple(c.modifiers), tuple(c.levels)) for c in codes]
    )
    billed = [line.code for line in lines]
    edits = check_lines(lines, dos=day, tables=claim_tables) + payer.coverage(billed, tables=claim_tables)
    flags = payer.prior_auth(
        billed, dos=day, payer=options.payer, state=options.state, setting=options.setting, tables=claim_tables
    )
    return Claim(dos=dos, diagnoses=found, queries=queries, checklist=items, edits=edits), flags
