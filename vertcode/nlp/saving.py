"""Saving the rules a component is given after it is made, the way spaCy's span ruler saves its
patterns: `nlp.to_disk()` writes them to a file in the component's folder and `spacy.load()`
gives them back, in the order they were added.

Not in the component's config: the config's format mangles a "$" before a quote, as in many
regular expressions ending a line ("...$"), so a saved config would not load.
"""

from pathlib import Path
from typing import Any

import srsly
from spacy.util import ensure_path

RULES = "rules.json"


def rules_to_disk(path: str | Path, rules: Any) -> None:
    folder = ensure_path(path)
    folder.mkdir(parents=True, exist_ok=True)
    srsly.write_json(folder / RULES, rules)


def rules_from_disk(path: str | Path) -> Any:
    return srsly.read_json(ensure_path(path) / RULES)


def rules_to_bytes(rules: Any) -> bytes:
    return srsly.json_dumps(rules).encode("utf-8")


def rules_from_bytes(data: bytes) -> Any:
    return srsly.json_loads(data)
