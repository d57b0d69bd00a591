"""Loading the rules-as-data under patterns/, validated with errors that name file and line.

Vocabulary, level patterns, ConText triggers, section titles and code descriptions are data:
adding a device name or a synonym is an edit to a file here, not to code.

- terms.jsonl    {"label", "id", "phrase" | "regex", optional "fuzzy": bool, "case": "exact",
                 "approximate": true for a misheard form ("keyhole plasty"), whose match is cited
                 and marked for review where it decides a code,
                 and for a TECHNIQUE that names its device ("balloon kyphoplasty"), "device"}
- levels.jsonl   {"label": "LEVEL" | "NOT_LEVEL", "id", "regex", optional "requires": [words]
                 one of which every match contains, so a note with none skips the rule}
- context.json   {"context_rules": [medspaCy ConTextRule dicts]}; literals are matched on NORM,
                 where "yyyy" stands for any year (vertcode_norms)
- sections.json  {"sections": [{"literal", "category", "role": "title"|"procedure"|"excluded",
                 optional "scope": "paragraph" for a field that ends at a blank line ("Medications:"),
                 or "line" for one that also ends at a line break after a full stop ("Anesthesia:")}]}
- encounter.json {"source", "procedure", "visit", "copied_start", "copied_end", "inventory",
                 "dated_imaging"}: regular expressions matched line by line, deciding whether a
                 note documents a procedure done in this encounter, where an earlier note copied
                 into it begins and ends, which lines list what the session used ("Implants:
                 ..."), and which labels are a dated imaging result ("MRI 2024-10-15:")
- corrections.json {"source", "right_first", "right_last"}: regular expressions for the words
                 between two levels that correct one by the other: "L1, not T12" (the first is
                 right), "T12 should read L1" (the last is right)
- codes.json     {code: {"description"}}
- claims/        the claim's tables (issue 16; claims/README.md): reading.json, the words the
                 diagnoses and the coverage checklist are read by (`vertcode.claim_patterns.load_claim_reading`);
                 icd10.jsonl, lcd.json, edits.json, prior_auth.json, read by vertcode.claims

A "regex" is a Python regular expression matched on the note's text, case-sensitive unless it
says otherwise ("(?i:...)"); a match counts only where it starts and ends on token boundaries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vertcode.claim_patterns import CLAIM_SECTION_CATEGORIES, load_claim_reading
from vertcode.pattern_checks import PatternError, check_regex, default_dir, read_json, read_jsonl, require_keys

TERM_LABELS = frozenset(
    {
        "TECHNIQUE",
        "DEVICE",
        "CEMENT",
        "ACCESS",
        "REPEAT",
        "APPROACH",
        "LATERALITY",
        "GUIDANCE",
        "BIOPSY",
        "OPEN",
        "TREATED",
        "ABORT",
        "INCLUDED",
        "SEDATION",
        "OBSERVER",
        "ANESTHESIA_CARE",
        "SEDATION_TIME",
        "DURATION",
        "ALL_LEVELS",
        "INJECTION",
        "SCREW",
        "LEVEL_REF",
        "NO_CEMENT",
        "HARDWARE",
        "EQUIPMENT",
        "PERCUTANEOUS",
    }
)
LEVEL_LABELS = frozenset({"LEVEL", "NOT_LEVEL"})
TECHNIQUE_IDS = frozenset({"vertebroplasty", "augmentation", "sacroplasty"})
SECTION_ROLES = frozenset({"title", "procedure", "excluded"})
CONTEXT_CATEGORIES = frozenset(
    {
        "HISTORICAL",
        "HYPOTHETICAL",
        "NEGATED_EXISTENCE",
        "ABORTED",
        "LANDMARK",
        "PSEUDO",
        "TERMINATE",
    }
)
CONTEXT_DIRECTIONS = frozenset({"FORWARD", "BACKWARD", "BIDIRECTIONAL", "PSEUDO", "TERMINATE"})


@dataclass(frozen=True)
class Patterns:
    """Everything under patterns/, validated."""

    terms: tuple[dict, ...]
    levels: tuple[dict, ...]
    context_rules: tuple[dict, ...]
    sections: tuple[dict, ...]
    encounter: dict[str, list[dict]]
    corrections: dict[str, list[dict]]
    descriptions: dict[str, str]
    claim_reading: dict


#: The files `load` reads, the rules-as-data a result depends on.
FILES = (
    "terms.jsonl",
    "levels.jsonl",
    "context.json",
    "sections.json",
    "encounter.json",
    "corrections.json",
    "codes.json",
    "claims/reading.json",
    "claims/icd10.jsonl",
    "claims/lcd.json",
    "claims/edits.json",
    "claims/prior_auth.json",
)


def fingerprint(directory: str | Path | None = None) -> str:
    """A short hash of the pattern files' bytes: two results with the same one were read by the
    same rules, whichever copy of them (a checkout, a wheel, --patterns) was used."""
    directory = Path(directory) if directory else default_dir()
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (directory / name).read_bytes())
    return digest.hexdigest()[:12]


def load(directory: str | Path | None = None) -> Patterns:
    directory = Path(directory) if directory else default_dir()
    sections = tuple(_load_sections(directory / "sections.json"))
    claim_reading = load_claim_reading(directory)
    _check_section_categories(directory, sections, claim_reading["not_diagnosis_sections"]["categories"])
    return Patterns(
        terms=tuple(_load_terms(directory / "terms.jsonl")),
        levels=tuple(_load_levels(directory / "levels.jsonl")),
        context_rules=tuple(_load_context(directory / "context.json")),
        sections=sections,
        encounter=_load_regex_lists(directory / "encounter.json", ENCOUNTER_KEYS),
        corrections=_load_regex_lists(directory / "corrections.json", CORRECTION_KEYS),
        descriptions=load_descriptions(directory),
        claim_reading=claim_reading,
    )


def _check_section_categories(directory: Path, sections: tuple[dict, ...], categories: list[str]) -> None:
    """A misspelt category in claims/reading.json would silently let a consent's risks or a plan's
    words be read as the patient's diagnoses."""
    known = {row["category"] for row in sections} | set(CLAIM_SECTION_CATEGORIES)
    for category in categories:
        if category not in known:
            raise PatternError(
                f"{directory / 'claims' / 'reading.json'}: not_diagnosis_sections.categories: "
                f"{category!r} is no section category (sections.json)"
            )


@lru_cache(maxsize=4)
def load_descriptions(directory: str | Path | None = None) -> dict[str, str]:
    path = Path(directory or default_dir()) / "codes.json"
    data = read_json(path)
    if not isinstance(data, dict):
        raise PatternError(f'{path}: expected an object of code -> {{"description": ...}}')
    out = {}
    for code, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("description"), str):
            raise PatternError(f'{path}: code {code!r} needs a string "description"')
        out[code] = entry["description"]
    return out


def _load_terms(path: Path):
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        require_keys(
            where,
            row,
            {"label", "id", "phrase", "regex", "fuzzy", "case", "device", "approximate", "requires"},
            {"label", "id"},
        )
        _check_requires(where, row)
        if row["label"] not in TERM_LABELS:
            raise PatternError(f"{where}: unknown label {row['label']!r}; expected one of {sorted(TERM_LABELS)}")
        if row["label"] == "TECHNIQUE" and row["id"] not in TECHNIQUE_IDS:
            raise PatternError(f"{where}: a TECHNIQUE id must be one of {sorted(TECHNIQUE_IDS)}, not {row['id']!r}")
        if "device" in row and row["label"] != "TECHNIQUE":
            raise PatternError(f'{where}: only a TECHNIQUE names the "device" it implies')
        if ("phrase" in row) == ("regex" in row):
            raise PatternError(f'{where}: give exactly one of "phrase" or "regex"')
        if "phrase" in row and (not isinstance(row["phrase"], str) or not row["phrase"].strip()):
            raise PatternError(f'{where}: "phrase" must be a non-empty string')
        if "regex" in row:
            check_regex(where, row["regex"])
            if "fuzzy" in row or "case" in row:
                raise PatternError(f'{where}: "fuzzy" and "case" apply to a "phrase", not a "regex"')
        if row.get("case", "exact") != "exact":
            raise PatternError(f'{where}: "case" can only be "exact"')
        for key in ("fuzzy", "approximate"):
            if not isinstance(row.get(key, False), bool):
                raise PatternError(f'{where}: "{key}" must be true or false')
        yield row


def _load_levels(path: Path):
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        require_keys(where, row, {"label", "id", "regex", "requires"}, {"label", "id", "regex"})
        if row["label"] not in LEVEL_LABELS:
            raise PatternError(f"{where}: unknown label {row['label']!r}; expected one of {sorted(LEVEL_LABELS)}")
        check_regex(where, row["regex"])
        _check_requires(where, row)
        yield row


def _check_requires(where: str, row: dict) -> None:
    """ "requires": the lower-case words one of which every match of the regex contains."""
    words = row.get("requires")
    if words is not None and not (
        isinstance(words, list) and words and all(isinstance(w, str) and w and w == w.lower() for w in words)
    ):
        raise PatternError(f'{where}: "requires" must be a non-empty list of lower-case words')


def _load_context(path: Path):
    data = read_json(path)
    rules = data.get("context_rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise PatternError(f'{path}: expected {{"context_rules": [...]}}')
    allowed = {
        "literal",
        "category",
        "direction",
        "pattern",
        "max_scope",
        "allowed_types",
        "excluded_types",
        "max_targets",
        "metadata",
    }
    literals: dict[str, int] = {}
    for index, rule in enumerate(rules):
        where = f"{path}: context_rules[{index}]"
        if not isinstance(rule, dict):
            raise PatternError(f"{where}: expected a JSON object")
        require_keys(where, rule, allowed, {"literal", "category", "direction"})
        if rule["category"] not in CONTEXT_CATEGORIES:
            raise PatternError(
                f"{where} ({rule['literal']!r}): unknown category {rule['category']!r}; "
                f"expected one of {sorted(CONTEXT_CATEGORIES)}"
            )
        if rule["direction"] not in CONTEXT_DIRECTIONS:
            raise PatternError(f"{where} ({rule['literal']!r}): unknown direction {rule['direction']!r}")
        if "pattern" not in rule:
            # ConText keeps one modifier per matched span, so a second rule on the same words
            # (a BACKWARD beside a FORWARD) would never apply: say BIDIRECTIONAL once instead.
            first = literals.setdefault(rule["literal"].lower(), index)
            if first != index:
                raise PatternError(
                    f"{where} ({rule['literal']!r}): the same words as context_rules[{first}]; "
                    "ConText applies only one of them: merge them (direction BIDIRECTIONAL for both ways)"
                )
        yield rule


ENCOUNTER_KEYS = ("procedure", "visit", "copied_start", "copied_end", "inventory", "dated_imaging")
CORRECTION_KEYS = ("right_first", "right_last")


def _load_regex_lists(path: Path, keys: tuple[str, ...]) -> dict[str, list[dict]]:
    """A file of named lists of regular expressions, with the "source" they come from. Each item
    is a regex, or {"regex", "requires": [words]}; either way it loads as {"regex", "requires"}."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise PatternError(f'{path}: expected an object with "source" and {", ".join(map(repr, keys))}')
    require_keys(str(path), data, {"source", *keys}, {"source", *keys})
    rules: dict[str, list[dict]] = {}
    for key in keys:
        if not isinstance(data[key], list) or not data[key]:
            raise PatternError(f"{path}: {key!r} must be a non-empty list of regular expressions")
        rules[key] = []
        for index, item in enumerate(data[key]):
            where = f"{path}: {key}[{index}]"
            row = item if isinstance(item, dict) else {"regex": item}
            require_keys(where, row, {"regex", "requires"}, {"regex"})
            check_regex(where, row["regex"])
            _check_requires(where, row)
            rules[key].append({"regex": row["regex"], "requires": row.get("requires", [])})
    return rules


def _load_sections(path: Path):
    data = read_json(path)
    rules = data.get("sections") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise PatternError(f'{path}: expected {{"sections": [...]}}')
    for index, rule in enumerate(rules):
        where = f"{path}: sections[{index}]"
        if not isinstance(rule, dict):
            raise PatternError(f"{where}: expected a JSON object")
        require_keys(where, rule, {"literal", "category", "role", "scope", "regex"}, {"literal", "category", "role"})
        if "regex" in rule:
            check_regex(where, rule["regex"])
        if rule.get("scope", "section") not in ("section", "paragraph", "line"):
            raise PatternError(f'{where} ({rule["literal"]!r}): scope is "section", "paragraph" or "line"')
        if rule["role"] not in SECTION_ROLES:
            raise PatternError(
                f"{where} ({rule['literal']!r}): unknown role {rule['role']!r}; expected one of {sorted(SECTION_ROLES)}"
            )
        yield rule
