"""The ICD-10-CM codes vertcode suggests (patterns/claims/icd10.jsonl), validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vertcode.patterns import PatternError, default_dir, read_jsonl


@dataclass(frozen=True)
class Icd10Code:
    code: str
    description: str
    category: str
    #: [first, last] level of the region the code covers; None for any vertebra.
    levels: tuple[str, str] | None
    seventh: str | None
    fracture_type: str | None
    #: The diagnosis-to-code mapping is not confirmed (sources disagree): the coder checks it.
    mapping_note: str | None


@lru_cache(maxsize=4)
def load(directory: str | Path | None = None) -> dict[str, Icd10Code]:
    """{code: Icd10Code}; a malformed row raises PatternError naming the file and line."""
    path = Path(directory or default_dir()) / "claims" / "icd10.jsonl"
    table: dict[str, Icd10Code] = {}
    for number, row in read_jsonl(path):
        if number == 1 and "source" in row:
            continue  # the header: sources and the code set's dates
        if not isinstance(row.get("code"), str) or not isinstance(row.get("description"), str):
            raise PatternError(f'{path}:{number}: a row needs a string "code" and "description"')
        if row["code"] in table:
            raise PatternError(f"{path}:{number}: {row['code']} is listed twice")
        levels = row.get("levels")
        seventh = row.get("seventh") or {}
        table[row["code"]] = Icd10Code(
            code=row["code"],
            description=row["description"],
            category=row.get("category", ""),
            levels=(levels[0], levels[-1]) if levels else None,
            seventh=seventh.get("char"),
            fracture_type=row.get("fracture_type"),
            mapping_note=None if row.get("mapping_confirmed", True) else row.get("note") or "mapping not confirmed",
        )
    return table
