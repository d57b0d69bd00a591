"""Loading the claim tables under patterns/claims/, validated, into the dataclasses of `rows`.

edits.json (bundles, add-on pairs, MUE rows, modifier rules) and prior_auth.json (the WISeR
program, coverage notes) are data with their sources: a new CMS quarter is an edit to them, not to
code. Loading checks what `edits` and `payer` rely on, so a broken table stops with a
`ClaimTableError` naming the file and the entry instead of giving wrong edits later:

- every row cites sources its file's top-level "source" object describes, and says `confirmed`;
- every row has an effective range ({"from", "to"}: ISO dates or null for open), so a claim is
  checked by the rules in force on its date of service (`in_force`);
- a confirmed MUE row has its CMS value and MAI; an unconfirmed one leaves them null (its
  "candidate" is reasoning, never a value an edit may use);
- a bundle's scope is one the checks understand, and a modifier rule's effect is known.

Descriptive keys (basis, note, confirmed_what, ...) are allowed and mostly not kept; a key the
loader does not know is an error, so a misspelt "efective" cannot silently drop a date.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

from vertcode import patterns
from vertcode.claims.rows import (
    AddonPair,
    Bundle,
    ClaimTables,
    CoverageNote,
    Effective,
    ModifierRule,
    MueCandidate,
    MueRow,
    PayerPosition,
    Program,
    ProgramState,
    Setting,
)
from vertcode.claims.validation import CODE, ClaimTableError, Entry, TableFile

__all__ = ["ClaimTableError", "ClaimTables", "default_dir", "in_force", "load"]

#: A bundle's "scope" as written, and what it means to the checks: "session" (any two lines of
#: one claim), "level" (the column-2 line is at a level a column-1 line treats), "sacrum" (the
#: column-2 line is of the sacrum a sacroplasty treats).
SCOPES = {
    "same session": "session",
    "same operative session": "session",
    "any": "session",
    "same vertebral level": "level",
    "sacrum, same session": "sacrum",
}
#: What a modifier rule does: "forbidden" (its modifiers never go on its codes), "distinct-site"
#: (its codes beside its `with` codes at another level need one of its modifiers), "suggested"
#: (a payer may want one of them beside its `with` codes: a review), "review" (a coder's call
#: whenever one is used), "documentation" (a rule for reading the note; no charge-line check).
EFFECTS = frozenset({"forbidden", "distinct-site", "suggested", "review", "documentation"})
#: The effects of the rules edits.json has, which carry no "effect" key: a rule the code has no
#: check for must say what it does, or it would load and never apply.
DEFAULT_EFFECTS = {
    "no-bilateral": "forbidden",
    "no-51-or-59-on-addons": "forbidden",
    "bone-biopsy-different-level": "distinct-site",
    "mixed-technique-session": "suggested",
    "abandoned-procedure": "review",
    "sedation-observer": "documentation",
}


class _Dated(Protocol):
    @property
    def effective(self) -> Effective: ...


Row = TypeVar("Row", bound=_Dated)


def in_force(rows: Iterable[Row], dos: datetime.date | None) -> list[Row]:
    """The rows whose effective range holds the date of service (None: today)."""
    day = dos or datetime.date.today()
    return [row for row in rows if row.effective.contains(day)]


def default_dir() -> Path:
    return patterns.default_dir() / "claims"


def load(directory: str | Path | None = None) -> ClaimTables:
    """The claim tables of `directory` (default: patterns/claims/), read once per directory."""
    return _load(Path(directory) if directory is not None else default_dir())


@lru_cache(maxsize=4)
def _load(directory: Path) -> ClaimTables:
    edits, prior = TableFile(directory / "edits.json"), TableFile(directory / "prior_auth.json")
    mue = Entry(edits, "mue", edits.data.get("mue"), {"table", "mai_meaning", "mai_source", "rows", "note"}, {"rows"})
    return ClaimTables(
        bundles=_unique(edits, "bundles", [_bundle(e) for e in edits.entries(edits.data, "bundles")]),
        addon_pairs=_one_in_force(edits, "addon_pairs", [_addon(e) for e in edits.entries(edits.data, "addon_pairs")]),
        mue=_one_in_force(edits, "mue.rows", [_mue(e) for e in edits.entries(mue.row, "rows", prefix="mue.")]),
        modifiers=_unique(edits, "modifiers", [_modifier(e) for e in edits.entries(edits.data, "modifiers")]),
        programs=_unique(prior, "programs", [_program(e) for e in prior.entries(prior.data, "programs")]),
        coverage_notes=tuple(_coverage(e) for e in prior.entries(prior.data, "coverage_notes")),
        sources={**edits.sources, **prior.sources},
    )


def _unique(file: TableFile, key: str, rows: list) -> tuple:
    seen: set[str] = set()
    for index, row in enumerate(rows):
        if row.id in seen:
            raise ClaimTableError(f"{file.path}: {key}[{index}] (id {row.id!r}): the id is used twice")
        seen.add(row.id)
    return tuple(rows)


def _one_in_force(file: TableFile, key: str, rows: list) -> tuple:
    """A new quarter's row is added beside the old one, not over it: two rows of one code whose
    ranges overlap would both apply on a date, so that is an error naming both."""
    low, high = datetime.date.min, datetime.date.max
    for index, row in enumerate(rows):
        start, end = row.effective.start or low, row.effective.end or high
        for earlier, other in enumerate(rows[:index]):
            if other.id == row.id and start <= (other.effective.end or high) and (other.effective.start or low) <= end:
                raise ClaimTableError(
                    f"{file.path}: {key}[{index}] ({row.id}): its dates ({row.effective}) overlap those of "
                    f"{key}[{earlier}] ({other.effective}); end the older row's range"
                )
    return tuple(rows)


_ROW = {"effective", "source", "confirmed", "confirmed_what", "note"}
_BUNDLE = {"id", "column1", "column2", "scope", "separately_reportable", "effective", "source", "confirmed"}


def _bundle(entry: tuple[TableFile, str, object]) -> Bundle:
    e = Entry(
        *entry, _ROW | _BUNDLE | {"bypass_modifiers", "modifier_26_exception", "basis", "different_level"}, _BUNDLE
    )
    column2 = e.strings("column2")
    for index, item in enumerate(column2):
        # "venography (any code)" describes codes the table does not list; "7700" is a typo.
        if not CODE.fullmatch(item) and " " not in item.strip():
            e.fail(f"column2[{index}] is not a CPT/HCPCS code ({item!r}), nor a description of one")
    scope = e.text("scope")
    if scope not in SCOPES:
        e.fail(f"scope {scope!r} is not one the checks know: {sorted(SCOPES)}")
    exception = e.row.get("modifier_26_exception")
    if exception is not None and not isinstance(exception, bool):
        e.fail("modifier_26_exception must be true, false or null")
    return Bundle(
        id=e.text("id"),
        column1=e.codes("column1"),
        column2=tuple(c for c in column2 if CODE.fullmatch(c)),
        described=tuple(c for c in column2 if not CODE.fullmatch(c)),
        scope=SCOPES[scope],
        scope_text=scope,
        separately_reportable=e.flag("separately_reportable"),
        bypass_modifiers=e.modifiers("bypass_modifiers"),
        modifier_26_exception=exception,
        basis=e.optional_text("basis"),
        effective=e.effective(),
        source=e.source(),
        confirmed=e.flag("confirmed"),
    )


def _addon(entry: tuple[TableFile, str, object]) -> AddonPair:
    e = Entry(*entry, _ROW | {"id", "addon", "primaries"}, {"addon", "primaries", "effective", "source", "confirmed"})
    addon = e.code("addon")
    return AddonPair(
        id=e.optional_text("id") or f"addon-{addon}",
        addon=addon,
        primaries=e.codes("primaries"),
        effective=e.effective(),
        source=e.source(),
        confirmed=e.flag("confirmed"),
    )


def _mue(entry: tuple[TableFile, str, object]) -> MueRow:
    required = {"code", "value", "mai", "effective", "source", "confirmed"}
    e = Entry(*entry, _ROW | required | {"candidate"}, required)
    code, value, mai, confirmed = e.code("code"), _units(e, "value"), _mai(e, "mai"), e.flag("confirmed")
    if confirmed and (value is None or mai is None):
        e.fail("a confirmed MUE needs its CMS value and mai")
    if not confirmed and (value is not None or mai is not None):
        e.fail("an unconfirmed MUE leaves value and mai null; a reasoned number goes in candidate")
    candidate = None
    if e.row.get("candidate") is not None:
        c = e.child("candidate", {"value", "mai", "basis"}, {"value", "basis"})
        candidate = MueCandidate(_units(c, "value"), _mai(c, "mai"), c.text("basis"))
    return MueRow(f"mue-{code}", code, value, mai, candidate, e.effective(), e.source(), confirmed)


def _units(e: Entry, key: str) -> int | None:
    value = e.row.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        e.fail(f"{key} must be a whole number of units, at least 1, or null ({value!r})")
    return value


def _mai(e: Entry, key: str) -> int | None:
    value = e.row.get(key)
    if value is not None and (isinstance(value, bool) or value not in (1, 2, 3)):
        e.fail(f"{key} must be 1, 2 or 3 (MUE adjudication indicator) or null ({value!r})")
    return value


def _modifier(entry: tuple[TableFile, str, object]) -> ModifierRule:
    e = Entry(
        *entry,
        _ROW | {"id", "modifiers", "facility_modifiers", "codes", "with", "rule", "effect"},
        {"id", "modifiers", "codes", "rule", "source", "confirmed"},
    )
    rule_id = e.text("id")
    effect = e.row.get("effect", DEFAULT_EFFECTS.get(rule_id))
    if effect is None:
        e.fail(f'no check is written for this id: give it an "effect", one of {sorted(EFFECTS)}')
    if effect not in EFFECTS:
        e.fail(f"effect {effect!r} is not one of {sorted(EFFECTS)}")
    modifiers, with_codes = e.modifiers("modifiers"), e.codes("with", optional=True)
    if effect != "documentation" and not modifiers:
        e.fail(f"a {effect!r} rule needs modifiers")
    if effect in ("distinct-site", "suggested") and not with_codes:
        e.fail(f'a {effect!r} rule needs "with": the codes it applies beside')
    return ModifierRule(
        id=rule_id,
        effect=effect,
        modifiers=modifiers,
        facility_modifiers=e.modifiers("facility_modifiers"),
        codes=e.codes("codes"),
        with_codes=with_codes,
        rule=e.text("rule"),
        # edits.json gives modifier rules no dates: in force until a row says otherwise.
        effective=e.effective() if "effective" in e.row else Effective(),
        source=e.source(),
        confirmed=e.flag("confirmed"),
    )


_PROGRAM = {"id", "name", "effective", "effective_source", "codes", "codes_source", "codes_confirmed", "states"}
_PROGRAM_MORE = {"payer", "effective_confirmed", "service", "codes_note", "states_source", "states_confirmed"}
_PROGRAM_MORE |= {"states_note", "which_state", "settings", "process", "flag"}


def _program(entry: tuple[TableFile, str, object]) -> Program:
    e = Entry(*entry, _PROGRAM | _PROGRAM_MORE, _PROGRAM | {"settings"})
    extra = frozenset({"requests_accepted_from", "dates_of_service_from"})
    model = e.effective(extra=extra)
    start = e.date("effective.dates_of_service_from", e.row["effective"].get("dates_of_service_from")) or model.start
    e.date("effective.requests_accepted_from", e.row["effective"].get("requests_accepted_from"))
    if not isinstance(e.row["states"], list) or not e.row["states"]:
        e.fail("states must be a non-empty list")
    states = []
    for index, item in enumerate(e.row["states"]):
        s = Entry(
            e.file, f"{e.label}.states[{index}]", item, {"state", "mac", "jurisdiction", "participant"}, {"state"}
        )
        if not re.fullmatch(r"[A-Z]{2}", str(s.row["state"])):
            s.fail(f"state must be a two-letter postal code ({s.row['state']!r})")
        fields = [s.optional_text(k) for k in ("mac", "jurisdiction", "participant")]
        states.append(ProgramState(s.row["state"], *fields))
    settings = e.child("settings", {"included", "excluded", "source", "confirmed", "dispute"}, {"included", "excluded"})
    if not isinstance(settings.row["included"], list) or not settings.row["included"]:
        settings.fail("included must be a non-empty list")
    included = []
    for index, item in enumerate(settings.row["included"]):
        s = Entry(e.file, f"{settings.label}.included[{index}]", item, {"setting", "claim"}, {"setting"})
        included.append(Setting(s.text("setting"), s.optional_text("claim")))
    return Program(
        id=e.text("id"),
        name=e.text("name"),
        codes=e.codes("codes"),
        codes_confirmed=e.flag("codes_confirmed"),
        codes_source=e.source("codes_source"),
        states=tuple(states),
        included=tuple(included),
        excluded=settings.strings("excluded"),
        effective=Effective(start, model.end),
        model=model,
        source=tuple(dict.fromkeys(e.source("effective_source") + e.source("codes_source"))),
    )


def _coverage(entry: tuple[TableFile, str, object]) -> CoverageNote:
    e = Entry(*entry, {"id", "codes", "what", "medicare", "commercial", "flag"}, {"codes", "what", "medicare", "flag"})
    codes = e.codes("codes")
    medicare = e.child("medicare", {"status", "source", "confirmed"}, {"status", "source", "confirmed"})
    positions = []
    for index, item in enumerate(e.row.get("commercial") or []):
        keys = {"payer", "position", "source", "confirmed"}
        p = Entry(e.file, f"{e.label}.commercial[{index}]", item, keys, keys)
        positions.append(PayerPosition(p.text("payer"), p.text("position"), p.source(), p.flag("confirmed")))
    return CoverageNote(
        id=e.optional_text("id") or "coverage-" + "-".join(codes),
        codes=codes,
        what=e.text("what"),
        medicare=medicare.text("status"),
        medicare_confirmed=medicare.flag("confirmed"),
        commercial=tuple(positions),
        flag=e.text("flag"),
        source=tuple(dict.fromkeys(medicare.source() + tuple(s for p in positions for s in p.source))),
    )
