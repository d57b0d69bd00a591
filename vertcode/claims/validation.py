"""Reading a claim table's JSON: entries whose checks raise errors naming the file and entry.

`tables` builds its rows with these; a problem reads "<file>: bundles[2] (id 'x'): <problem>",
so whoever edits a table is told where, not shown a traceback.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any, NoReturn

from vertcode.claims.rows import Effective

#: A CPT or HCPCS code: five letters or digits (22510, 0200T, C1062).
CODE = re.compile(r"[0-9A-Z]{5}")
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ClaimTableError(ValueError):
    """A claim table is missing or malformed; the message names the file and the entry."""


class TableFile:
    """A table file, read, with the sources its rows may cite."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ClaimTableError(f"{path}: cannot read claim table ({exc.strerror or exc})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ClaimTableError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ClaimTableError(f"{path}: expected a JSON object")
        self.data: dict[str, Any] = data
        sources = data.get("source")
        if not isinstance(sources, dict) or not sources:
            raise ClaimTableError(f'{path}: needs a "source" object naming the sources its rows cite')
        for key, value in sources.items():
            if not isinstance(value, dict) or not isinstance(value.get("title"), str):
                raise ClaimTableError(f'{path}: source {key!r} needs a "title"')
        self.sources: dict[str, str] = {key: value["title"] for key, value in sources.items()}

    def entries(self, data: dict, key: str, prefix: str = "") -> list[tuple[TableFile, str, object]]:
        """(file, "bundles[2] (id 'x')", row) for each row of a list."""
        rows = data.get(key)
        if not isinstance(rows, list):
            raise ClaimTableError(f"{self.path}: {prefix}{key} must be a list")
        out: list[tuple[TableFile, str, object]] = []
        for index, row in enumerate(rows):
            name = next((row[k] for k in ("id", "code", "addon") if k in row), None) if isinstance(row, dict) else None
            named = f" (id {name!r})" if isinstance(name, str) and "id" in row else f" ({name})" if name else ""
            out.append((self, f"{prefix}{key}[{index}]{named}", row))
        return out


class Entry:
    """One object of a table, with checks whose errors name it: "<file>: bundles[2] (id 'x'): ..."."""

    def __init__(self, file: TableFile, label: str, row: object, allowed: set[str], required: set[str]) -> None:
        self.file, self.label = file, label
        if not isinstance(row, dict):
            self.fail("expected a JSON object")
        self.row: dict[str, Any] = row
        unknown, missing = set(row) - allowed, required - set(row)
        if unknown:
            self.fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        if missing:
            self.fail(f"missing key(s) {sorted(missing)}")

    def fail(self, problem: str) -> NoReturn:
        raise ClaimTableError(f"{self.file.path}: {self.label}: {problem}")

    def child(self, key: str, allowed: set[str], required: set[str]) -> Entry:
        return Entry(self.file, f"{self.label}.{key}", self.row.get(key), allowed, required)

    def text(self, key: str) -> str:
        value = self.row.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{key} must be a non-empty string")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.row.get(key) is None else self.text(key)

    def code(self, key: str) -> str:
        value = self.row.get(key)
        if not isinstance(value, str) or not CODE.fullmatch(value):
            self.fail(f"{key} is not a CPT/HCPCS code ({value!r})")
        return value

    def codes(self, key: str, *, optional: bool = False) -> tuple[str, ...]:
        value = self.row.get(key, [] if optional else None)
        if not isinstance(value, list) or not (value or optional):
            self.fail(f"{key} must be a non-empty list of codes")
        for index, code in enumerate(value):
            if not isinstance(code, str) or not CODE.fullmatch(code):
                self.fail(f"{key}[{index}] is not a CPT/HCPCS code ({code!r})")
        return tuple(value)

    def modifiers(self, key: str) -> tuple[str, ...]:
        value = self.row.get(key, [])
        if not isinstance(value, list) or not all(isinstance(m, str) and _MODIFIER.fullmatch(m) for m in value):
            self.fail(f"{key} must be a list of two-character modifiers")
        return tuple(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.row.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{key} must be a non-empty list of strings")
        return tuple(value)

    def flag(self, key: str) -> bool:
        value = self.row.get(key)
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false")
        return value

    def effective(self, key: str = "effective", extra: frozenset[str] = frozenset()) -> Effective:
        value = self.row.get(key)
        if not isinstance(value, dict) or set(value) - extra != {"from", "to"}:
            given = f", not {sorted(value)}" if isinstance(value, dict) else ""
            self.fail(f'{key} must be {{"from": date or null, "to": date or null}}{given}')
        start, end = self.date(f"{key}.from", value["from"]), self.date(f"{key}.to", value["to"])
        if start and end and start > end:
            self.fail(f"{key}.from {start} is after {key}.to {end}")
        return Effective(start, end)

    def date(self, name: str, value: object) -> datetime.date | None:
        if value is None:
            return None
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(f"{name} is not a date ({value!r}); write YYYY-MM-DD, or null for open")

    def source(self, key: str = "source") -> tuple[str, ...]:
        value = self.row.get(key)
        keys = [value] if isinstance(value, str) else value
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            self.fail(f"{key} must name one or more sources")
        for name in keys:
            if name not in self.file.sources:
                self.fail(f"{key} {name!r} is not in the file's source object")
        return tuple(keys)
