"""Reading notes: bytes from files or standard input into text, and folders into lists of notes.

Offsets in every result refer to the text returned here: a byte-order mark is removed and nothing
else is changed (CRLF line ends are kept), so `text[start:end]` is always the evidence text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Notes larger than this are reported, not processed (an exported log is not an operative note).
DEFAULT_MAX_BYTES = 1_000_000


class NoteError(Exception):
    """A note that cannot be read; the message names the file and the reason."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass(frozen=True)
class NoteSource:
    """A note to code: its name as the user gave it, and where to read it."""

    name: str
    path: Path | None  # None for standard input


def decode(data: bytes, name: str) -> str:
    """Text of a note: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8):], "utf-8", name)
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
    """A note as read: its name, its decoded text and the SHA-256 of its bytes."""

    name: str
    text: str
    sha256: str


def read_bytes(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    if len(data) > max_bytes:
        raise NoteError(name, f"{len(data):,} bytes is over the {max_bytes:,}-byte limit for one note")
    return Note(name, decode(data, name), hashlib.sha256(data).hexdigest())


def read_note(source: NoteSource, max_bytes: int = DEFAULT_MAX_BYTES) -> Note:
    """The note behind a source; NoteError, naming it and the reason, when it cannot be read."""
    if source.path is None:
        return read_bytes(sys.stdin.buffer.read(), source.name, max_bytes)
    path = source.path
    try:
        if path.is_dir():
            raise NoteError(source.name, "is a directory, not a note")
        size = path.stat().st_size
        if size > max_bytes:
            raise NoteError(source.name, f"{size:,} bytes is over the {max_bytes:,}-byte limit for one note")
        data = path.read_bytes()
    except NoteError:
        raise
    except FileNotFoundError:
        reason = "dangling symbolic link" if path.is_symlink() else "no such file"
        raise NoteError(source.name, reason) from None
    except OSError as exc:
        raise NoteError(source.name, exc.strerror or str(exc)) from None
    return read_bytes(data, source.name, max_bytes)


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def find_notes(directory: Path, pattern: str = "*.txt") -> Iterator[NoteSource]:
    """Every file matching `pattern` below `directory`, recursively, in a stable order.

    Symbolic links to directories are not followed, so a link loop cannot recurse forever;
    anything matching that is not a readable file is still yielded and reported when read.
    """
    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs.sort()
        root_path = Path(root)
        names = sorted(set(files) | {d for d in dirs if Path(d).match(pattern)})
        for name in names:
            if Path(name).match(pattern):
                path = root_path / name
                yield NoteSource(str(path), path)
