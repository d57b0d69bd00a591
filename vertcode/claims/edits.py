"""Claim edits over one session's charge lines: bundles, add-ons, primaries, MUE, modifiers.

Every edit names the table row that says so (`rule`, the row's id) and the row's sources. Its
severity is the row's confidence: "edit" only when the row is `confirmed` (read in the CPT, CMS
or MAC text it cites), "review" when it is not, so a value nobody could check never denies a
line on the tool's word. A rule that is a caution by nature (a modifier some payers want, a
discontinued procedure) is always a review. Only rows in force on the date of service apply.

One call checks one session: the lines of one note, on one date of service.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from vertcode.claim_model import ClaimEdit
from vertcode.claims.prose import either, join
from vertcode.claims.rows import AddonPair, Bundle, ClaimTables, ModifierRule, MueRow
from vertcode.claims.tables import in_force
from vertcode.levels import ORDER, SACRUM

#: The levels a sacroplasty treats: the sacrum, and its segments as a note may name them.
SACRAL = frozenset({SACRUM, "S1", "S2", "S3", "S4", "S5"})
#: What an MUE adjudication indicator counts units over (CMS; edits.json mue.mai_meaning).
MAI = {1: "per claim line", 2: "per date of service, by policy", 3: "per date of service, by clinical judgement"}


@dataclass(frozen=True)
class ChargeLine:
    """One charge line: a code, its units, its modifiers and the levels it is for (canonical
    names as `vertcode.levels` writes them; empty when the claim does not say)."""

    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()


def check_lines(lines: Sequence[ChargeLine], *, dos: datetime.date | None, tables: ClaimTables) -> list[ClaimEdit]:
    """The edits one session's charge lines break, by the tables in force on `dos` (None:
    today), in the order bundles, add-ons and primaries, units, modifiers."""
    modifiers = in_force(tables.modifiers, dos)
    found = [
        *_bundled(lines, in_force(tables.bundles, dos), modifiers),
        *_addons(lines, in_force(tables.addon_pairs, dos)),
        *_units(lines, in_force(tables.mue, dos)),
        *_modifiers(lines, modifiers),
    ]
    unique: dict[tuple[str, str, str, str], ClaimEdit] = {}
    for edit in found:
        unique.setdefault((edit.kind, edit.code, edit.rule, edit.message), edit)
    return list(unique.values())


def _severity(confirmed: bool) -> str:
    return "edit" if confirmed else "review"


def _unconfirmed(confirmed: bool) -> str:
    return "" if confirmed else " The table row is unconfirmed (from third-party or project sources only): review."


def _ordered(levels: Iterable[str]) -> list[str]:
    rank = {level: i for i, level in enumerate(ORDER)}
    return sorted(set(levels), key=lambda level: (rank.get(level, len(rank)), level))


def _bundled(lines: Sequence[ChargeLine], bundles: list[Bundle], rules: list[ModifierRule]) -> Iterator[ClaimEdit]:
    """A column-2 line billed with a column-1 line within the bundle's scope (rule 10)."""
    for bundle in bundles:
        firsts = [line for line in lines if line.code in bundle.column1]
        if bundle.separately_reportable or not firsts:
            continue
        first_codes = list(dict.fromkeys(line.code for line in firsts))
        treated = {level for line in firsts for level in line.levels}
        for line in lines:
            used = set(line.modifiers)
            if line.code not in bundle.column2 or used & set(bundle.bypass_modifiers):
                continue
            if bundle.modifier_26_exception and "26" in used:
                continue
            # The modifiers a rule gives this code beside these primaries at another site: with
            # no levels to compare, one of them on the line says the site differs.
            markers = [
                m
                for rule in rules
                if rule.effect in ("distinct-site", "suggested")
                and line.code in rule.codes
                and set(rule.with_codes) & set(first_codes)
                for m in rule.modifiers
            ]
            why = _in_scope(bundle, line, treated, first_codes, markers)
            if why is None:
                continue
            message = (
                f"{line.code} is included in {join(first_codes)} ({bundle.scope_text}) and is not reported "
                f"separately: it is billed {why}."
            )
            if "26" in used and not bundle.modifier_26_exception:
                message += " Modifier 26 does not lift this edit: the table gives no modifier-26 exception."
            if bundle.basis:
                message += f" Basis: {bundle.basis}."
            yield ClaimEdit(
                "bundled",
                line.code,
                message + _unconfirmed(bundle.confirmed),
                bundle.id,
                _severity(bundle.confirmed),
                list(bundle.source),
            )


def _in_scope(
    bundle: Bundle, line: ChargeLine, treated: set[str], first_codes: list[str], markers: list[str]
) -> str | None:
    """Why the line falls within the bundle's scope, or None when it does not."""
    if bundle.scope == "session":
        return "in the same session"
    levels = set(line.levels)
    treat = f"{join(first_codes)} {'treats' if len(first_codes) == 1 else 'treat'}"
    if bundle.scope == "sacrum" and levels:
        same = levels & SACRAL
        return f"for {join(_ordered(same))}, the sacrum {treat}" if same else None
    if bundle.scope == "level" and levels and treated:
        same = levels & treated
        if not same:
            return None
        also = [m for m in line.modifiers if m in markers]
        note = f" ({either(also)} marks another level, but this one is treated)" if also else ""
        return f"at {join(_ordered(same))}, a level {treat}{note}"
    if set(line.modifiers) & set(markers):
        return None
    site = "site" if bundle.scope == "sacrum" else "level"
    missing = "the line gives none" if not levels else f"the {join(first_codes)} lines give none"
    shown = f": it carries no {either(markers)} to show another" if markers else ""
    return f"with no level to compare ({missing}), so at the same {site}{shown}"


def _addons(lines: Sequence[ChargeLine], pairs: list[AddonPair]) -> Iterator[ClaimEdit]:
    """An add-on without any of its primaries; a primary on two lines, with more than one unit,
    or beside another primary of the same add-on (one primary per family per session, rule 2)."""
    billed = [line.code for line in lines]
    all_primaries = {code for pair in pairs for code in pair.primaries}
    for pair in pairs:
        severity, source, tail = _severity(pair.confirmed), list(pair.source), _unconfirmed(pair.confirmed)
        present = [code for code in dict.fromkeys(billed) if code in pair.primaries]
        if pair.addon in billed and not present:
            others = [code for code in dict.fromkeys(billed) if code in all_primaries]
            aside = f" {join(others)} is not its primary." if others else ""
            message = (
                f"+{pair.addon} is an add-on of {either(pair.primaries)}, and none is on the claim: "
                f"an add-on code is never reported alone.{aside}"
            )
            yield ClaimEdit("addon-without-primary", pair.addon, message + tail, pair.id, severity, source)
        for code in present:
            mine = [line for line in lines if line.code == code]
            units = sum(line.units for line in mine)
            if len(mine) > 1 or units > 1:
                how = f"on {len(mine)} lines" if len(mine) > 1 else f"with {units} units"
                message = f"{code} is billed {how}: it is reported once per session, the rest as +{pair.addon}."
                yield ClaimEdit("primary-repeated", code, message + tail, pair.id, severity, source)
        for code in present[1:]:
            message = (
                f"{present[0]} and {code} are both primaries of +{pair.addon}: one of them is reported per "
                f"session, the rest as +{pair.addon}."
            )
            yield ClaimEdit("second-primary", code, message + tail, pair.id, severity, source)


def _units(lines: Sequence[ChargeLine], rows: list[MueRow]) -> Iterator[ClaimEdit]:
    """Units above the medically unlikely edit; a value not confirmed from the CMS file is not
    a limit at all, so more than one unit is a review that shows the reasoned candidate."""
    for row in rows:
        mine = [line for line in lines if line.code == row.code]
        total = sum(line.units for line in mine)
        if row.value is not None and row.mai is not None:
            over = [line.units for line in mine if line.units > row.value] if row.mai == 1 else [total]
            for units in (u for u in over if u > row.value):
                where = "on one line" if row.mai == 1 else "on the date of service"
                message = (
                    f"{row.code}: {units} units {where} exceed the medically unlikely edit of {row.value} "
                    f"(MAI {row.mai}, {MAI[row.mai]})."
                )
                yield ClaimEdit("mue-exceeded", row.code, message, row.id, "edit", list(row.source))
        elif total > 1:
            candidate = row.candidate
            shown = (
                f" For information only, a candidate of {candidate.value} unit(s)"
                + (f" (MAI {candidate.mai})" if candidate.mai else "")
                + f", reasoned, not a CMS value: {candidate.basis}."
                if candidate and candidate.value
                else " There is no candidate value either."
            )
            message = (
                f"{row.code}: {total} units on the date of service were not checked: its medically unlikely edit "
                f"could not be confirmed from the CMS file (Practitioner Services MUE table).{shown}"
            )
            yield ClaimEdit("mue-unconfirmed", row.code, message, row.id, "review", list(row.source))


def _modifiers(lines: Sequence[ChargeLine], rules: list[ModifierRule]) -> Iterator[ClaimEdit]:
    """The modifier rules: a modifier never used on a code, one a different-level line needs or
    a payer may want, and one that is always a coder's call (52/53 for abandoned work)."""
    for rule in rules:
        beside = [line for line in lines if line.code in rule.with_codes]
        for line in lines:
            if line.code not in rule.codes:
                continue
            used = [m for m in line.modifiers if m in rule.modifiers or m in rule.facility_modifiers]
            named = f"{line.code}-{'-'.join(used)}"
            source = list(rule.source)
            if rule.effect == "forbidden" and used:
                message = f"{named}: {rule.rule}{_unconfirmed(rule.confirmed)}"
                yield ClaimEdit("modifier-not-allowed", line.code, message, rule.id, _severity(rule.confirmed), source)
            elif rule.effect == "review" and used:
                yield ClaimEdit("modifier-review", line.code, f"{named}: {rule.rule}", rule.id, "review", source)
            elif rule.effect in ("distinct-site", "suggested") and beside and not used:
                yield from _site_rule(rule, line, beside)


def _site_rule(rule: ModifierRule, line: ChargeLine, beside: list[ChargeLine]) -> Iterator[ClaimEdit]:
    """A line of the rule's codes, without its modifiers, beside its `with` codes: at a level
    they do not treat it needs one ("distinct-site"); unless it is at one they treat, a payer
    may want one ("suggested"). Levels not known are the bundle's to judge."""
    levels, treated = set(line.levels), {level for b in beside for level in b.levels}
    known = bool(levels and treated)
    besides = list(dict.fromkeys(b.code for b in beside))
    if rule.effect == "distinct-site" and known and not levels & treated:
        message = (
            f"{line.code} at {join(_ordered(levels))} is of a level {join(besides)} "
            f"{'does' if len(besides) == 1 else 'do'} not treat ({join(_ordered(treated))}), and the line carries "
            f"no {either(rule.modifiers)}: {rule.rule}{_unconfirmed(rule.confirmed)}"
        )
        yield ClaimEdit("modifier-missing", line.code, message, rule.id, _severity(rule.confirmed), list(rule.source))
    elif rule.effect == "suggested" and not (known and levels & treated):
        message = f"{line.code} beside {join(besides)} in one session, with no {either(rule.modifiers)}: {rule.rule}"
        yield ClaimEdit("modifier-suggested", line.code, message, rule.id, "review", list(rule.source))
