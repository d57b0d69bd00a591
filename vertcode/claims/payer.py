"""What the payer asks before the claim: prior authorization (WISeR) and coverage (sacroplasty).

Both are read from prior_auth.json, so the next program, state or code is a data edit. A flag
here never decides: it says which program asks, for which codes, on what the tool assumed (a date
of service or a setting not given), and what the table could not confirm.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from vertcode.claim_model import ClaimEdit
from vertcode.claims.prose import join
from vertcode.claims.rows import ClaimTables, Program
from vertcode.model import Flag

#: Payer names that mean Original (fee-for-service) Medicare; Medicare Advantage is not one.
TRADITIONAL_MEDICARE = frozenset(
    {"medicare", "original medicare", "traditional medicare", "medicare ffs", "medicare fee-for-service"}
)
#: Settings a user may name, and the word the table's settings are searched for: which of the
#: program's included or excluded settings it is stays the table's to say.
SETTING_WORDS = {
    "outpatient": "outpatient",
    "hopd": "outpatient",
    "hospital outpatient": "outpatient",
    "asc": "ambulatory surgical",
    "ambulatory surgery center": "ambulatory surgical",
    "office": "office",
    "home": "home",
    "inpatient": "inpatient",
    "hospital inpatient": "inpatient",
    "emergency": "emergency",
    "emergency department": "emergency",
    "ed": "emergency",
    "er": "emergency",
}


def prior_auth(
    codes: Sequence[str],
    *,
    dos: datetime.date | None,
    payer: str | None,
    state: str | None,
    setting: str | None,
    tables: ClaimTables,
) -> list[Flag]:
    """A `prior-auth-required` flag for each program that asks for the claim's codes: Original
    Medicare, a state of the program (where the service is furnished), a date of service in its
    range, a setting it does not exclude. An unknown payer or state gives no flag (the programs
    are for six states, not every claim); an unknown date or setting is assumed in force or
    outpatient, and the message says so."""
    if payer is None or " ".join(payer.lower().split()) not in TRADITIONAL_MEDICARE or not state:
        return []
    state = state.strip().upper()
    flags = []
    for program in tables.programs:
        wanted = [code for code in dict.fromkeys(codes) if code in program.codes]
        where = next((s for s in program.states if s.state == state), None)
        if not wanted or where is None or (dos is not None and not program.effective.contains(dos)):
            continue
        place = _setting(program, setting)
        if place is None:
            continue
        mac = " ".join(filter(None, (where.mac, where.jurisdiction)))
        when = (
            f"on {dos.isoformat()}"
            if dos
            else "on a date of service that was not known, so the program was assumed in force"
        )
        message = (
            f"{program.name} ({program.id}): {join(wanted)} furnished in {state}"
            + (f" ({mac}{', participant ' + where.participant if where.participant else ''})" if mac else "")
            + f" for Original Medicare {when}; the program requires prior authorization for dates of service "
            f"{program.effective.start or 'open'} to {program.effective.end or 'open'} in "
            f"{join(s.state for s in program.states)}. {place} Ask whether a prior authorization (affirmation) "
            "number exists; without one the claim goes to pre-payment review."
        )
        if not program.codes_confirmed:
            message += (
                f" The program's code list ({join(program.codes)}) is not confirmed from the CMS operational guide "
                f"(source: {', '.join(program.codes_source)})."
            )
        flags.append(Flag("prior-auth-required", message))
    return flags


def _setting(program: Program, setting: str | None) -> str | None:
    """What the message says of the setting, or None when the program excludes it."""
    covered = join(s.name for s in program.included)
    if setting is None or not setting.strip():
        return f"The setting was not given: an outpatient setting was assumed (covered: {covered})."
    plain = " ".join(setting.lower().split())
    word = SETTING_WORDS.get(plain, plain)
    found = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w])")
    if any(found.search(excluded.lower()) for excluded in program.excluded):
        return None
    squeezed = plain.replace(" ", "")
    for included in program.included:
        claim = (included.claim or "").lower().replace(" ", "")
        if found.search(included.name.lower()) or squeezed in {claim, re.sub(r"^(pos|tob)", "", claim)} - {""}:
            return f"Setting: {included.name}" + (f" ({included.claim})." if included.claim else ".")
    return (
        f"The setting {setting!r} is not one the table names, so the flag is given for a coder to check "
        f"(covered: {covered}; excluded: {'; '.join(program.excluded)})."
    )


def coverage(codes: Sequence[str], *, tables: ClaimTables) -> list[ClaimEdit]:
    """A `coverage` review item for each code a coverage note is about (sacroplasty 0200T/0201T:
    no Medicare NCD, investigational for many commercial payers): benefits verification, not a
    denial the tool can predict."""
    edits = []
    for note in tables.coverage_notes:
        for code in dict.fromkeys(codes):
            if code not in note.codes:
                continue
            commercial = "; ".join(
                f"{p.payer}: {p.position}" + ("" if p.confirmed else " (not confirmed)") for p in note.commercial
            )
            message = (
                f"{code}: {note.what}. Medicare: {note.medicare}"
                + ("" if note.medicare_confirmed else " (not confirmed)")
                + (f". Commercial payers: {commercial}" if commercial else "")
                + f". {note.flag}"
            )
            edits.append(ClaimEdit("coverage", code, message, note.id, "review", list(note.source)))
    return edits
