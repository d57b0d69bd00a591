"""Vertebral levels: parsing what a note writes into canonical level names.

Pure Python, no spaCy: the pipeline finds where a level is written, this module says which
vertebral bodies the words name. "T11-L1" is T11, T12 and L1; "L2-4" is L2, L3 and L4; "the
twelfth thoracic vertebra" is T12. The variant levels T13 and L6 exist only in patients who have
them, so a range includes them only when the note names them as an end.
"""

from __future__ import annotations

import re

_REGION_COUNTS = (("C", 7), ("T", 13), ("L", 6), ("S", 5))
VARIANT_LEVELS = frozenset({"T13", "L6"})
SACRUM = "sacrum"

#: Every level in cranio-caudal order, variants included.
ORDER: tuple[str, ...] = tuple(f"{region}{n}" for region, count in _REGION_COUNTS for n in range(1, count + 1)) + (
    SACRUM,
)
_RANK = {level: i for i, level in enumerate(ORDER)}

REGION_NAMES = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}
_REGION_LETTER = {name: letter for letter, name in REGION_NAMES.items()}

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
}

_LEVEL = r"([CTLS])\s*[-\s]?\s*(\d{1,2})"
_SINGLE = re.compile(rf"^{_LEVEL}$", re.I)
_RANGE = re.compile(rf"^{_LEVEL}\s*(?:-|–|—|/|to|through|thru)\s*(?:{_LEVEL}|(\d{{1,2}}))$", re.I)
_ORDINAL = re.compile(r"^(?:the\s+)?(" + "|".join(_ORDINALS) + r")\s+(cervical|thoracic|lumbar|sacral)\b", re.I)


# Dictated and European forms, rewritten to the plain notation before parsing: spoken letters,
# German abbreviations (Brust-, Lenden-, Halswirbelkoerper) and regions spelled out before a number.
_SPOKEN_LETTERS = {
    "tee": "T", "el": "L", "ell": "L", "cee": "C", "ess": "S", "bwk": "T", "lwk": "L", "hwk": "C",
    "thoracic": "T", "lumbar": "L", "cervical": "C", "sacral": "S",
}  # fmt: skip
# Speech recognition writes "four" as "for" after a level letter ("L for").
_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
#: Numbers as dictated, for every reader of dictation: levels here, minutes of sedation.
NUMBER_WORDS = {word: value for value, word in enumerate(_UNITS)} | {
    word: 10 * tens for tens, word in enumerate(_TENS, 2)
}
# A level's number: 1 to 13, and "for" or "fore" misheard for four after a level's letter.
_NUMBER_WORDS = {w: n for w, n in NUMBER_WORDS.items() if 1 <= n <= 13} | {"for": 4, "fore": 4}
_NUMBER = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
# A region word is a letter only before a number: "the twelfth thoracic vertebra" is an ordinal.
_SPOKEN = re.compile(
    r"\b(tee|ell?|cee|ess|bwk|lwk|hwk)\b|\b(thoracic|lumbar|cervical|sacral)(?=\s+(?:\d+|"
    + "|".join(_NUMBER_WORDS)
    + r")\b)",
    re.I,
)
# "Th12" (European) and "D12" (dorsal) are thoracic; "L. 2" is dictated with a full stop.
_THORACIC = re.compile(r"\b(?:th|d)(?=[ \t]?-?\d)", re.I)
_DOTTED = re.compile(r"(?<=[CTLS])\.", re.I)


#: The letters Python's case-insensitive matching equates with ASCII ones ("ſ" with "s", "ı" and
#: "İ" with "i", the Kelvin sign with "k"): a regex with re.I matches "fırst" where "first" is
#: written, so what it matched is folded before it is looked up in a table of ASCII words.
LOOKALIKES = str.maketrans({"ſ": "s", "ı": "i", "İ": "i", "\u212a": "k"})


def _plain(text: str) -> str:
    text = _SPOKEN.sub(lambda m: _SPOKEN_LETTERS[(m[1] or m[2]).lower()], text)
    text = _NUMBER.sub(lambda m: str(_NUMBER_WORDS[m[1].lower()]), text)
    return _DOTTED.sub(" ", _THORACIC.sub("T", text))


class LevelError(ValueError):
    """The text does not name a vertebral level this module knows."""


def canonical(region: str, number: int) -> str:
    """The canonical name of one level, checked against the levels that exist."""
    level = f"{region.upper()}{number}"
    if level not in _RANK:
        raise LevelError(f"no such vertebral level: {level}")
    return level


def region_of(level: str) -> str:
    """'cervical', 'thoracic', 'lumbar' or 'sacral'."""
    if level == SACRUM:
        return "sacral"
    return REGION_NAMES[level[0]]


def rank(level: str) -> int:
    """Cranio-caudal position, for sorting and ranges."""
    return _RANK[level]


def expand(first: str, last: str) -> list[str]:
    """Every level from `first` to `last` inclusive, in the order written."""
    lo, hi = rank(first), rank(last)
    step = 1 if hi >= lo else -1
    ends = {first, last}
    return [ORDER[i] for i in range(lo, hi + step, step) if ORDER[i] in ends or ORDER[i] not in VARIANT_LEVELS]


def parse(text: str) -> list[str]:
    """The levels a level mention names, in the order written.

    >>> parse("T11–L1")
    ['T11', 'T12', 'L1']
    >>> parse("L2-4")
    ['L2', 'L3', 'L4']
    >>> parse("Th11/12"), parse("tee twelve"), parse("L. 2")
    (['T11', 'T12'], ['T12'], ['L2'])
    """
    text = " ".join(_plain(text.translate(LOOKALIKES)).split()).strip("()[]")
    match = _SINGLE.match(text)
    if match:
        return [canonical(match[1], int(match[2]))]
    match = _RANGE.match(text)
    if match:
        first = canonical(match[1], int(match[2]))
        last = canonical(match[3], int(match[4])) if match[3] else canonical(match[1], int(match[5]))
        if "/" in text:
            return [first, last]
        return expand(first, last)
    match = _ORDINAL.match(text)
    if match:
        return [canonical(_REGION_LETTER[match[2].lower()], _ORDINALS[match[1].lower()])]
    if re.match(r"^(?:the\s+)?(?:sacrum|sacral|S[1-5]\s+(?:ala|alae|alar|wing))", text, re.I):
        return [SACRUM]
    raise LevelError(f"not a vertebral level: {text!r}")
