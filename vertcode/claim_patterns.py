"""The claim's reading rules: patterns/claims/reading.json, the words the diagnoses, the coverage
checklist and the date of service are read by, validated with errors that name file and entry.

Apart from vertcode.patterns, which loads what the coding pipeline reads, so that each loader
stays small enough to hold in the head.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from vertcode.pattern_checks import PatternError, check_regex, default_dir, read_json, require_keys

#: The lists of claims/reading.json, each row {"id" or "element", "regex"}, in the order they claim text.
CLAIM_READING_LISTS = ("causes", "fracture", "checklist", "red_flags")
#: Its single regular expressions.
CLAIM_READING_REGEXES = ("levels_wide", "pain_score", "hospitalized", "after_procedure", "risk_sentence", "not_a_risk")
CLAIM_CERTAINTY = ("negated", "uncertain", "uncertain_after", "negated_after", "unticked", "past", "clause")
#: Section categories the claim reader makes besides those of sections.json (claim_reader._section_category).
CLAIM_SECTION_CATEGORIES = ("diagnosis-post", "family-history")


@lru_cache(maxsize=4)
def load_claim_reading(directory: str | Path | None = None) -> dict:
    """claims/reading.json, validated: regexes compile, ASCII (claim_reader.lowered); queries have their words."""
    path = Path(directory or default_dir()) / "claims" / "reading.json"
    data = read_json(path)
    if not isinstance(data, dict):
        raise PatternError(f"{path}: expected a JSON object")
    keys = {"source", "certainty", "date_of_service", "queries", "not_diagnosis_sections"}
    keys |= {*CLAIM_READING_LISTS, *CLAIM_READING_REGEXES}
    require_keys(str(path), data, keys, keys)
    _check_not_diagnosis(path, data["not_diagnosis_sections"])
    for key in CLAIM_READING_LISTS:
        for i, row in enumerate(data[key]):
            where = f"{path}: {key}[{i}]"
            name = "element" if key == "checklist" else "id"
            if not isinstance(row, dict):
                raise PatternError(f"{where}: expected an object")
            require_keys(where, row, {name, "regex", "with", "requires"}, {name, "regex", "requires"})
            words = row["requires"] if isinstance(row["requires"], list) else [None]
            if not words or not all(isinstance(w, str) and w and w == w.lower() and " " not in w for w in words):
                raise PatternError(f'{where}: "requires" must list lower-case words, no spaces, one in every match')
            check_claim_regex(where, row["regex"])
            if "with" in row:
                check_claim_regex(f"{where} with", row["with"])
    for key in CLAIM_READING_REGEXES:
        check_claim_regex(f"{path}: {key}", data[key])
    certainty = data["certainty"]
    require_keys(f"{path}: certainty", certainty, {*CLAIM_CERTAINTY, "max_words"}, {*CLAIM_CERTAINTY, "max_words"})
    for key in CLAIM_CERTAINTY:
        check_claim_regex(f"{path}: certainty.{key}", certainty[key])
    if not isinstance(certainty["max_words"], int) or certainty["max_words"] < 1:
        raise PatternError(f"{path}: certainty.max_words must be a positive integer")
    dos = data["date_of_service"]
    require_keys(f"{path}: date_of_service", dos, {"label", "date"}, {"label", "date"})
    for key in ("label", "date"):
        check_regex(f"{path}: date_of_service.{key}", f"(?i:{dos[key]})")
    for kind, question in data["queries"].items():
        if not isinstance(question, str) or "{levels}" not in question:
            raise PatternError(f'{path}: queries.{kind} must be a question naming "{{levels}}"')
    return data


def _check_not_diagnosis(path: Path, entry) -> None:
    """Its shape; that each category is one a sentence can have is checked where sections.json is
    loaded beside it (`vertcode.patterns.load`)."""
    where = f"{path}: not_diagnosis_sections"
    if not isinstance(entry, dict):
        raise PatternError(f"{where}: expected an object")
    require_keys(where, entry, {"why", "categories"}, {"why", "categories"})
    categories = entry["categories"]
    if not isinstance(categories, list) or not categories or not all(isinstance(c, str) for c in categories):
        raise PatternError(f"{where}.categories: expected a list of section categories")


def check_claim_regex(where: str, regex) -> None:
    check_regex(where, f"(?i:{regex})" if isinstance(regex, str) and regex else regex)
    if not regex.isascii() or re.search(r"\\[xuUN]", regex):
        raise PatternError(f"{where}: write the regex in ASCII, without \\x, \\u or \\N escapes (matched lower-cased)")
