"""The date of service a note labels ("Date of service: 03/14/2026", "DOS 14 Mar 2026"), read by
the words of patterns/claims/reading.json: what picks the claim tables' versions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from vertcode.claim_patterns import load_claim_reading
from vertcode.model import Evidence

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}


@dataclass(frozen=True)
class DateRules:
    """reading.json's date_of_service compiled: a labelled line, and the date forms in it."""

    labelled: re.Pattern
    date: re.Pattern

    @classmethod
    def compile(cls, data: dict) -> DateRules:
        labelled = re.compile(rf"(?im)^[ \t]*{data['label']}[ \t]*[:#-]?[ \t]*(?:{data['date']})")
        return cls(labelled, re.compile(data["date"], re.I))


def date_of_service(text: str, rules: DateRules) -> tuple[str, Evidence] | None:
    """The first labelled date ("Date of service: 03/14/2026", "DOS 14 Mar 2026") that is a
    real calendar date, as ISO; None when the note labels none."""
    for match in rules.labelled.finditer(text):
        found = rules.date.search(text, match.start(), match.end())
        if found is None:
            continue
        day = _calendar_date(found.groups())
        if day is not None:
            return day.isoformat(), Evidence(found.start(), found.end(), found.group(0), "DATE_OF_SERVICE")
    return None


@lru_cache(maxsize=4)
def _rules_of(directory: str | Path | None) -> DateRules:
    return DateRules.compile(load_claim_reading(directory)["date_of_service"])


def stated_date_of_service(text: str, patterns_dir: str | Path | None = None) -> str | None:
    """The date of service a note labels, as YYYY-MM-DD (None when it labels none that is a
    date): what a claim's `dos` is when the user gives none."""
    found = date_of_service(text, _rules_of(patterns_dir))
    return found[0] if found else None


def _calendar_date(groups: tuple) -> date | None:
    iso_y, iso_m, iso_d, us_m, us_d, us_y, eu_d, eu_mon, eu_y, mon, mon_d, mon_y = groups
    try:
        if iso_y:
            return date(int(iso_y), int(iso_m), int(iso_d))
        if us_m:
            year = int(us_y) + (2000 if len(us_y) == 2 else 0)
            month, day = (int(us_m), int(us_d)) if int(us_m) <= 12 else (int(us_d), int(us_m))  # 19/03: day first
            return date(year, month, day)
        if eu_d:
            named = _MONTHS.get(eu_mon.lower())
            return date(int(eu_y), named, int(eu_d)) if named else None
        if mon:
            named = _MONTHS.get(mon.lower())
            return date(int(mon_y), named, int(mon_d)) if named else None
    except ValueError:  # 02/30/2026: written like a date, no such day
        return None
    return None
