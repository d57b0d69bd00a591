"""What a coder's decision must be: a code this tool knows, whole units of at least 1, known
modifiers, and a reason from the list for a rejection."""

from __future__ import annotations

from functools import cache

from vertcode import patterns

#: Why a coder rejects a line: a short list, so the reasons can be counted.
REASONS = {
    "not-performed": "not performed",
    "wrong-level": "wrong level",
    "wrong-technique": "wrong technique",
    "documentation-insufficient": "documentation insufficient",
    "other": "other",
}
#: The modifiers a coder may put on a line of these codes.
MODIFIERS = ("XS", "XU", "XE", "XP", "59", "52", "53", "50", "LT", "RT", "76", "77", "78", "79", "22")


class InvalidDecision(ValueError):
    """A decision this workbench refuses: an unknown code, units that are not a whole number ≥ 1."""


@cache
def known_codes() -> dict[str, str]:
    """The codes this tool knows, with their descriptors: the only ones a coder may pick."""
    return patterns.load_descriptions()


def checked(code: str | None, units: object, modifiers: list[str] | None) -> tuple[str, int, list[str]]:
    code = (code or "").strip()
    if code not in known_codes():
        raise InvalidDecision(f"{code or 'an empty code'} is not a code this tool knows ({', '.join(known_codes())})")
    try:
        number = int(str(units).strip())
    except ValueError:
        number = 0
    if number < 1 or str(units).strip() not in (str(number), f"+{number}"):
        raise InvalidDecision(f"units must be a whole number of at least 1, not {str(units)!r}")
    modifiers = [m.strip().upper() for m in modifiers or [] if m.strip()]
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        raise InvalidDecision(f"unknown modifier {', '.join(unknown)} (known: {', '.join(MODIFIERS)})")
    return code, number, list(dict.fromkeys(modifiers))


def reason(reason: str | None, comment: str | None) -> str:
    if reason not in REASONS:
        raise InvalidDecision(f"a rejection needs a reason: one of {', '.join(REASONS.values())}")
    if reason == "other" and not (comment or "").strip():
        raise InvalidDecision('a rejection for "other" reason needs its text')
    return reason
