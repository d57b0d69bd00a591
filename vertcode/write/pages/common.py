"""What every review page shares: the page around the body, its style, its Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import html
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path

from vertcode.version import __version__


@cache
def asset(name: str) -> str:
    """A style sheet or script shipped beside this module (package data, so the wheel has it)."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8").strip()


def made() -> str:
    """Which vertcode wrote a page, and when: a page read months later says what produced it."""
    return f'<p class="made">vertcode {html.escape(__version__)}, written {date.today().isoformat()}</p>'


def _csp(*scripts: str) -> str:
    """Only this page's own scripts may run: a note can never bring one in."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src {hashes}; img-src data:"


def page(title: str, body: str, script: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_csp(script)}">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{asset('pages.css')}\n</style>\n</head>\n<body>\n{body}\n"
        f"<script>{script}</script>\n</body>\n</html>\n"
    )


def page_name(note: str) -> str:
    """A file name for a note's page, unique per note path, and one any file system takes: ASCII
    letters, digits and `-_.` only, at most 100 characters before the hash of the full name
    (surrogate escapes of a name that is not UTF-8 included)."""
    stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in Path(note).name)
    digest = hashlib.sha256(note.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{stem[:100]}-{digest}.html"
