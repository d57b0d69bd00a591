"""Reading note files, folders and standard input into `Note`s.

A file is read by its content (vertcode.read.formats); a folder yields its note files in a
stable order; a table row (vertcode.read.tables) is read as the text it holds.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from vertcode.read.formats import EXTENSIONS, documents, sniff
from vertcode.read.text import DEFAULT_MAX_BYTES, Note, NoteError, NoteSource


def read_notes(source: NoteSource, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Note]:
    """The notes behind a source, usually one; an HL7 file or a FHIR Bundle may hold several.

    NoteError, naming the source and the reason, when none can be read.
    """
    if source.row is not None:
        if source.problem:
            raise NoteError(source.name, source.problem)
        if source.text is None or not source.text.strip():
            raise NoteError(source.name, "no text in this row")
        data = source.text.encode("utf-8")
        _check_size(len(data), source.name, max_bytes)
        return [Note(source.name, source.text, hashlib.sha256(data).hexdigest(), "text", source.id)]
    data = _read_bytes(source, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        found = documents(data, source.name, max_bytes)
    except NoteError:
        raise
    except Exception as exc:  # a library's failure on one malformed file is that file's error
        # (A Bundle whose entries are strings, JSON nested past the recursion limit, RTF \u99999999,
        # markup the HTML parser rejects.) The type, not the message, which may quote the note.
        raise NoteError(source.name, f"not a readable {sniff(data, source.name)} file ({type(exc).__name__})") from None
    if len(found) == 1 and found[0].id is None:
        return [Note(source.name, found[0].text, sha256, found[0].extractor)]
    return [
        Note(f"{source.name}#{doc.id if doc.id is not None else i}", doc.text, sha256, doc.extractor, doc.id)
        for i, doc in enumerate(found, 1)
    ]


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise NoteError(name, f"{size:,} bytes is over the {max_bytes:,}-byte limit for one note")


def _read_bytes(source: NoteSource, max_bytes: int) -> bytes:
    if source.path is None:
        data = sys.stdin.buffer.read()
        _check_size(len(data), source.name, max_bytes)
        return data
    path = source.path
    try:
        if path.is_dir():
            raise NoteError(source.name, "is a directory, not a note")
        _check_size(path.stat().st_size, source.name, max_bytes)
        return path.read_bytes()
    except NoteError:
        raise
    except FileNotFoundError:
        reason = "dangling symbolic link" if path.is_symlink() else "no such file"
        raise NoteError(source.name, reason) from None
    except OSError as exc:
        raise NoteError(source.name, exc.strerror or str(exc)) from None


def source_sha256(source: NoteSource) -> str | None:
    """SHA-256 of a source's bytes as it is now, or None when it cannot be read."""
    if source.row is not None:
        return hashlib.sha256(source.text.encode("utf-8")).hexdigest() if source.text else None
    try:
        return hashlib.sha256(source.path.read_bytes()).hexdigest() if source.path else None
    except OSError:
        return None


def find_notes(directory: Path, pattern: str | None = None, exclude: Iterable[Path] = ()) -> Iterator[NoteSource]:
    """Every note file below `directory`, recursively, in a stable order: the files matching
    `pattern`, or by default every extension vertcode reads (vertcode.read.formats.EXTENSIONS).

    Symbolic links to directories are not followed, so a link loop cannot recurse forever;
    anything matching that is not a readable file is still yielded and reported when read.
    Nothing at or below the `exclude` paths is yielded: a batch's own output and review pages
    inside the folder it reads are never notes.
    """
    # Absolute, not resolved: resolving a file would follow links, and a link loop raises.
    excluded = {os.path.abspath(p) for p in exclude}

    def wanted(name: str) -> bool:
        return Path(name).match(pattern) if pattern else name.lower().endswith(EXTENSIONS)

    for root, dirs, files in os.walk(directory, followlinks=False):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if os.path.abspath(root_path / d) not in excluded)
        for name in sorted({n for n in set(files) | set(dirs) if wanted(n)}):
            path = root_path / name
            if os.path.abspath(path) not in excluded:
                yield NoteSource(str(path), path)
