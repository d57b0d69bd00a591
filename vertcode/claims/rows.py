"""The rows of the claim tables (patterns/claims/), as frozen dataclasses `tables` loads.

Each row keeps its effective range, its sources (keys of its file's "source" object) and whether
its value was `confirmed` from the payer's own files: the checks give a hard edit only for a
confirmed row, a review item otherwise.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Effective:
    """The dates of service a row is in force on, both ends included; None is open."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    def contains(self, day: datetime.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def __str__(self) -> str:
        return f"{self.start or 'open'} to {self.end or 'open'}"


@dataclass(frozen=True)
class Bundle:
    """Column-2 codes included in the column-1 codes within `scope`: "session", "level" or
    "sacrum" (`tables.SCOPES`; `scope_text` is the table's words).

    `described` are column-2 entries that name no code ("venography (any code)"): no charge line
    can match them. `bypass_modifiers` lift the edit (NCCI modifier indicator 1); a
    `modifier_26_exception` of True lets a column-2 line with modifier 26 through."""

    id: str
    column1: tuple[str, ...]
    column2: tuple[str, ...]
    described: tuple[str, ...]
    scope: str
    scope_text: str
    separately_reportable: bool
    bypass_modifiers: tuple[str, ...]
    modifier_26_exception: bool | None
    basis: str | None
    effective: Effective
    source: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True)
class AddonPair:
    id: str
    addon: str
    primaries: tuple[str, ...]
    effective: Effective
    source: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True)
class MueCandidate:
    """A value reasoned from the CPT descriptor, shown for information; never an edit's limit."""

    value: int | None
    mai: int | None
    basis: str


@dataclass(frozen=True)
class MueRow:
    """A medically unlikely edit: `value` units per line (MAI 1) or per date of service (2, 3)."""

    id: str
    code: str
    value: int | None
    mai: int | None
    candidate: MueCandidate | None
    effective: Effective
    source: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True)
class ModifierRule:
    id: str
    effect: str
    modifiers: tuple[str, ...]
    facility_modifiers: tuple[str, ...]
    codes: tuple[str, ...]
    with_codes: tuple[str, ...]
    rule: str
    effective: Effective
    source: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True)
class ProgramState:
    state: str
    mac: str | None
    jurisdiction: str | None
    participant: str | None


@dataclass(frozen=True)
class Setting:
    name: str
    claim: str | None


@dataclass(frozen=True)
class Program:
    """A prior-authorization program. `effective` is the dates of service it covers (the
    model's "dates_of_service_from", else its "from", to its "to"); `model` its own range."""

    id: str
    name: str
    codes: tuple[str, ...]
    codes_confirmed: bool
    codes_source: tuple[str, ...]
    states: tuple[ProgramState, ...]
    included: tuple[Setting, ...]
    excluded: tuple[str, ...]
    effective: Effective
    model: Effective
    source: tuple[str, ...]


@dataclass(frozen=True)
class PayerPosition:
    payer: str
    position: str
    source: tuple[str, ...]
    confirmed: bool


@dataclass(frozen=True)
class CoverageNote:
    id: str
    codes: tuple[str, ...]
    what: str
    medicare: str
    medicare_confirmed: bool
    commercial: tuple[PayerPosition, ...]
    flag: str
    source: tuple[str, ...]


@dataclass(frozen=True)
class ClaimTables:
    bundles: tuple[Bundle, ...]
    addon_pairs: tuple[AddonPair, ...]
    mue: tuple[MueRow, ...]
    modifiers: tuple[ModifierRule, ...]
    programs: tuple[Program, ...]
    coverage_notes: tuple[CoverageNote, ...]
    #: Each file's sources: key -> title, as the rows cite them.
    sources: Mapping[str, str]
