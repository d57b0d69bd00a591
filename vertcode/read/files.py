"""Reading note files, folders and standard input into `Note`s.

A file is read by its content (vertcode.read.formats); a folder yields its note files in a
stable order; a table row (vertcode.read.tables) is read as the text it holds.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from vertcode.read.formats import EXTENSIONS, documents, sniff
from vertcode.read.text import DEFAULT_MAX_BYTES, Note, NoteError, NoteSource


def read_notes(source: NoteSource, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Note]:
    """The notes behind a source, usually one; an HL7 file or a FHIR Bundle may hold several.

    NoteError, naming the source and the reason, when none can be read.
    """
    if source.problem:
        raise NoteError(source.name, source.problem)
    if source.row is not None:
        if source.text is None or not source.text.strip():
            raise NoteError(source.name, "no text in this row")
        data = source.text.encode("utf-8")
        _check_size(len(data), source.name, max_bytes)
        return [Note(source.name, source.text, hashlib.sha256(data).hexdigest(), "text", source.id, source.claim)]
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
    names = _unique([f"{source.name}#{doc.id if doc.id is not None else i}" for i, doc in enumerate(found, 1)])
    return [Note(name, doc.text, sha256, doc.extractor, doc.id) for name, doc in zip(names, found, strict=True)]


def _unique(names: list[str]) -> list[str]:
    """The names, the second and later of a repeated one numbered ("#A1", "#A1-2"): two HL7
    messages of one order are two notes, each with its own result line and page."""
    given = set(names)
    unique, used = [], set()
    for name in names:
        candidate, n = name, 1
        while candidate in used or (candidate != name and candidate in given):
            n += 1
            candidate = f"{name}-{n}"
        used.add(candidate)
        unique.append(candidate)
    return unique


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise NoteError(name, f"{size:,} bytes is over the {max_bytes:,}-byte limit for one note")


def _read_bytes(source: NoteSource, max_bytes: int) -> bytes:
    if source.path is None:
        return _bounded(sys.stdin.buffer, source.name, max_bytes)
    path = source.path
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise NoteError(source.name, "is a directory, not a note")
        if not stat.S_ISREG(status.st_mode):
            # A FIFO would hang the batch and a device such as /dev/zero never ends: not opened.
            kind = _SPECIAL.get(stat.S_IFMT(status.st_mode), "special file")
            raise NoteError(source.name, f"is a {kind}, not a note file")
        _check_size(status.st_size, source.name, max_bytes)
        with path.open("rb") as stream:
            return _bounded(stream, source.name, max_bytes)
    except NoteError:
        raise
    except FileNotFoundError:
        reason = "dangling symbolic link" if path.is_symlink() else "no such file"
        raise NoteError(source.name, reason) from None
    except OSError as exc:
        raise NoteError(source.name, exc.strerror or str(exc)) from None


_SPECIAL = {
    stat.S_IFIFO: "named pipe (FIFO)",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFSOCK: "socket",
}


def _bounded(stream: BinaryIO, name: str, max_bytes: int) -> bytes:
    """At most `max_bytes` from `stream`; NoteError as soon as there is more (standard input,
    and a file that grows while it is read, have no size to check first)."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NoteError(name, f"over the {max_bytes:,}-byte limit for one note")
    return data


def source_sha256(source: NoteSource) -> str | None:
    """SHA-256 of a source's bytes as it is now, or None when it cannot be read."""
    if source.row is not None:
        return hashlib.sha256(source.text.encode("utf-8")).hexdigest() if source.text else None
    if source.path is None or source.problem:
        return None
    try:
        if not stat.S_ISREG(source.path.stat().st_mode):
            return None
        digest = hashlib.sha256()
        with source.path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def find_notes(
    directory: Path,
    pattern: str | None = None,
    exclude: Iterable[Path] = (),
    on_skip: Callable[[Path, str], None] = lambda path, reason: None,
) -> Iterator[NoteSource]:
    """Every note file below `directory`, recursively, in a stable order: the files matching
    `pattern`, or by default every extension vertcode reads (vertcode.read.formats.EXTENSIONS).

    A pattern is matched as a user writes it (`glob_matches`). Every other file is told to
    `on_skip` with the reason, so a batch can say what it left out. Symbolic links to
    directories are not followed, so a link loop cannot recurse forever; anything matching that
    is not a readable file is still yielded and reported when read. Nothing at or below the
    `exclude` paths is yielded: a batch's own output and review pages inside the folder it
    reads are never notes. A folder that cannot be listed (no permission, a path too long for
    the system) is yielded as a source with its problem, so it is reported with the notes,
    never silently left out.
    """
    # Absolute, not resolved: resolving a file would follow links, and a link loop raises.
    excluded = {os.path.abspath(p) for p in exclude}
    unlisted: list[OSError] = []
    for root, dirs, files in os.walk(directory, onerror=unlisted.append, followlinks=False):
        yield from _unlisted(unlisted)
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if os.path.abspath(root_path / d) not in excluded)
        for name in sorted(set(files) | set(dirs)):
            path = root_path / name
            if os.path.abspath(path) in excluded:
                continue
            if pattern is None:
                # A folder named like a note ("a.txt/") is yielded, to be reported when read.
                wanted = name.lower().endswith(EXTENSIONS)
            else:
                wanted = name in files and glob_matches(path.relative_to(directory).as_posix(), pattern)
            if wanted:
                yield NoteSource(str(path), path)
            elif name in files:
                on_skip(path, f"does not match --glob {pattern}" if pattern else _not_a_format(name))
    yield from _unlisted(unlisted)


def _not_a_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".doc":
        return "a Word 97-2003 .doc file: vertcode reads .docx (save it as .docx)"
    kind = f"{suffix} files are" if suffix else "a file with no extension is"
    return f"{kind} not read by default (--glob includes them)"


def glob_matches(relative: str, pattern: str) -> bool:
    """Whether a path relative to the folder matches a pattern as shells and .gitignore read it:
    `*` and `?` stay within a folder, `**/` is any number of folders (none included), and a
    pattern with no `/` matches a file name at any depth (`*.txt`)."""
    if "/" not in pattern:
        return fnmatch.fnmatchcase(relative.rsplit("/", 1)[-1], pattern)
    return _glob_regex(pattern).fullmatch(relative) is not None


@lru_cache(maxsize=16)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for piece in re.split(r"(\*\*/|\*\*|\*|\?|\[[^\]]*\])", pattern.lstrip("/")):
        if piece == "**/":
            parts.append("(?:[^/]+/)*")
        elif piece == "**":
            parts.append(".*")
        elif piece == "*":
            parts.append("[^/]*")
        elif piece == "?":
            parts.append("[^/]")
        elif piece.startswith("[") and piece.endswith("]") and len(piece) > 2:
            body = piece[1:-1]
            body = body.replace("\\", "\\\\")  # ranges (a-z) stay ranges; a backslash is a character
            parts.append("[^" + body[1:] + "]" if body[0] in "!^" else "[" + body + "]")
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts))


def _unlisted(errors: list[OSError]) -> Iterator[NoteSource]:
    for error in errors:
        path = Path(error.filename)
        problem = f"cannot list this folder ({error.strerror}): its notes are not coded"
        yield NoteSource(str(path), path, problem=problem)
    errors.clear()
