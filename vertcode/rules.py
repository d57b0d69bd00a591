"""The coding rules vertcode's rationales and flags cite ("rule 10"), from the document shipped in
the package, vertcode/docs/coding-rules.md."""

import re
from functools import cache
from pathlib import Path

DOCUMENT = Path(__file__).parent / "docs" / "coding-rules.md"

#: "rule 10", "rules 2, 3", "rules 2 and 3", as rationales and flags write them.
_CITATION = re.compile(r"\brules? (\d+(?:(?:, | and )\d+)*)")


@cache
def numbered() -> dict[int, str]:
    """Each numbered rule of the document's "Rules" section, by number, as written there."""
    section = DOCUMENT.read_text(encoding="utf-8").split("\n## Rules\n", 1)[1].split("\n## ", 1)[0]
    items = re.split(r"(?m)^(?=\d+\. )", section)
    return {int(item.split(".", 1)[0]): item.rstrip() for item in items if item[:1].isdigit()}


def headline(number: int) -> str:
    """A rule's number and its bold title: "10. Included, never reported with these codes (H):"."""
    title = re.match(r"\*\*(.+?)\*\*", numbered()[number].split(". ", 1)[1])
    return f"{number}. {title.group(1) if title else numbered()[number].splitlines()[0]}"


def cited(text: str) -> list[int]:
    """The rule numbers a text cites, in order, once each."""
    found = [int(n) for group in _CITATION.findall(text) for n in re.findall(r"\d+", group)]
    return list(dict.fromkeys(found))


def citations(text: str) -> list[tuple[int, int, list[int]]]:
    """(start, end, numbers) of each citation in a text, for linking it to the rules' text."""
    return [(m.start(), m.end(), cited(m.group())) for m in _CITATION.finditer(text)]
