"""Which vertcode this is: a base module, so every stage (the CLI, the results) may say it."""

from __future__ import annotations

import re
from pathlib import Path


def _version() -> str:
    """The installed distribution's version; in a source checkout that was never installed, the
    one pyproject.toml beside the package gives, marked as unreleased code."""
    from importlib import metadata

    try:
        return metadata.version("vertcode")
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        found = re.search(r'(?m)^version = "([^"]+)"', pyproject.read_text(encoding="utf-8"))
    except OSError:
        found = None
    return f"{found.group(1)}+source" if found else "0+unknown"


__version__ = _version()
