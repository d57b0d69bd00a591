"""What every patterns loader shares: where the files are, reading JSON and JSON lines, and the
checks that name the file and the line of a mistake."""

from __future__ import annotations

import json
import re
from pathlib import Path


class PatternError(ValueError):
    """A patterns file is missing or malformed; the message names the file and the line."""


def default_dir() -> Path:
    """patterns/ shipped inside the wheel, else the one at the top of a source checkout."""
    packaged = Path(__file__).parent / "patterns"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "patterns"


def read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PatternError(f"{path}: cannot read patterns file ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PatternError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None


def read_jsonl(path: Path):
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PatternError(f"{path}: cannot read patterns file ({exc.strerror or exc})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PatternError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise PatternError(f"{path}:{number}: expected a JSON object")
        yield number, row


def require_keys(where: str, row: dict, allowed: set[str], required: set[str]) -> None:
    unknown = set(row) - allowed
    if unknown:
        raise PatternError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(row)
    if missing:
        raise PatternError(f"{where}: missing key(s) {sorted(missing)}")


def check_regex(where: str, regex) -> None:
    if not isinstance(regex, str) or not regex:
        raise PatternError(f'{where}: "regex" must be a non-empty string')
    try:
        compiled = re.compile(regex)
    except re.error as exc:
        raise PatternError(f"{where}: invalid regex ({exc})") from None
    if compiled.match(""):
        raise PatternError(f"{where}: the regex matches an empty string")
