"""Lists in prose for the claim messages: "22513 and 22515", "XS or 59".

The claim stage's own (the coding stage has the same `join`): the stages below `run` import
only the base modules, so each can be read and tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable


def join(items: Iterable[str], word: str = "and") -> str:
    """ "T7", "T7 and T8", "T7, T8 and T9"; each item once, in order."""
    items = list(dict.fromkeys(items))
    return ", ".join(items[:-1]) + f" {word} " + items[-1] if len(items) > 1 else "".join(items)


def either(items: Iterable[str]) -> str:
    """ "XS", "XS or 59"."""
    return join(items, "or")
