"""Notes as read: the text of a note's bytes, and the records every reader hands on.

Offsets in every result refer to the text decoded here: a byte-order mark is removed and nothing
else is changed (CRLF line ends are kept), so `text[start:end]` is always the evidence text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

#: Notes larger than this are reported, not processed (an exported log is not an operative note).
DEFAULT_MAX_BYTES = 1_000_000
#: The columns of a table of notes that give, row by row, the claim's date of service, payer,
#: state and setting (as --dos, --payer, --state, --setting do for every note).
CLAIM_COLUMNS = ("dos", "payer", "state", "setting")


class NoteError(Exception):
    """A note that cannot be read; the message names the file and the reason."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class NoteSource:
    """A note to code: its name as the user gave it, and where to read it.

    A file has a `path`; a row of a table has its `text` (None when the cell is empty), its
    `row` number and the `id` from the table; a source with neither path nor row is standard
    input. `problem` says why a row could not be read at all.
    """

    name: str
    path: Path | None = None
    text: str | None = None
    row: int | None = None
    id: object = None
    problem: str | None = None
    #: What a table's row says of the claim, from its columns named in CLAIM_COLUMNS.
    claim: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # The name is written to UTF-8 outputs and pages; the path keeps the bytes to open.
        object.__setattr__(self, "name", writable(self.name))


def writable(text: str) -> str:
    """`text` with each surrogate as U+FFFD, so it can be written as UTF-8: the undecodable bytes
    of a file name (Python's surrogate escapes) and a lone surrogate from a JSON escape."""
    return _SURROGATE.sub("\ufffd", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def decode(data: bytes, name: str) -> str:
    """Text of a note: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name)
    if b"\x00" in data:
        raise NoteError(name, "binary file (contains NUL bytes), not a text note")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = _strict(data, "cp1252", name)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(8, len(text) // 100):
        raise NoteError(name, "binary file (control characters), not a text note")
    return text


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise NoteError(name, f"cannot decode as {encoding} (byte {exc.start})") from None


@dataclass(frozen=True)
class Note:
    """A note as read: its name, its plain text, the SHA-256 of its source's bytes, the extractor
    that gave the text, and the id it carries (a table row's, an HL7 order's, a FHIR resource's)."""

    name: str
    text: str
    sha256: str
    extractor: str = "text"
    id: object = None
    claim: tuple[tuple[str, str], ...] = ()
