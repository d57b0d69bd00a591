"""Batch coding: every note of a folder into one output file, in one process or several.

Results come back in input order (`vertcode.run.pool`), so the output is the same, byte for byte,
whatever the number of jobs. Each result goes as a JSON line to OUT.part as soon as it is coded,
and OUT is written from OUT.part at the end (renamed, for JSON lines); an interrupted batch is
continued with `resume`, and its output is then the same as a clean run's. OUT.part is locked
while a batch writes it, so two runs never interleave.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from vertcode.model import NoteResult
from vertcode.read.files import source_sha256
from vertcode.read.text import NoteSource
from vertcode.run.coder import Coder
from vertcode.run.pool import Coded, PageNotWritten, code_all
from vertcode.write.pages import page_name, render_index

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Unix: OUT is not locked
    fcntl = None  # type: ignore[assignment]


class BatchError(Exception):
    """The batch cannot go on: its output cannot be written. The message names the path and
    the reason, and what was kept."""


class OutputBusy(BatchError):
    """Another batch is writing the same output: nothing was coded."""


class Interrupted(BatchError):
    """The user stopped the batch (Ctrl-C); the message says what is safe in OUT.part."""


@dataclass
class Summary:
    notes: int = 0
    codes: int = 0
    flags: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (note, reason)
    kept: int = 0  # lines kept from an earlier run by `resume`
    notices: list[str] = field(default_factory=list)  # what went wrong and was recovered

    @property
    def errors(self) -> int:
        return len(self.failed)

    def add(self, coded: Coded) -> None:
        self.notes += 1
        self.codes += coded.codes
        self.flags += coded.flags
        if coded.error:
            self.failed.append((coded.note, coded.error))


def run_batch(
    sources: list[NoteSource],
    out: Path,
    coder_factory: Callable[[], Coder],
    *,
    jobs: int = 1,
    resume: bool = False,
    page_dir: Path | None = None,
    on_result: Callable[[Coded], None] = lambda coded: None,
    writer: Callable[[Iterator[NoteResult], TextIO], None] | None = None,
) -> Summary:
    """Code `sources` into the JSON lines file `out`, or with `writer` into its format.

    Lines go to OUT.part as each note is coded, and OUT.part becomes OUT when the batch is done
    (with `writer`, OUT is written from it, then it is removed), so OUT is never half-written.
    An interrupted batch leaves OUT.part; with `resume` the batch keeps the lines of notes
    already coded there (same name, same SHA-256 of the bytes, same producer, and their page
    when `page_dir` is given) and codes the rest in place, so the output is what a clean run
    writes. With `page_dir`, each note gets a review page there, and `index.html`
    lists them all. BatchError when another batch is writing OUT.part, or on a write failure,
    with OUT.part left resumable and an earlier OUT untouched.
    """
    summary = Summary()
    rows: list[dict] = []  # for the index of the pages
    part = out.with_name(out.name + ".part")
    with _locked(part) as stream:
        previous = (stream.buffer.read().decode("utf-8", "replace") or _read_text(out)) if resume else ""
        try:
            coder = coder_factory()
            kept = _resumable(previous, sources, page_dir, coder.producer)
            summary.kept = sum(len(group) for group in kept.values())
            todo = [source for i, source in enumerate(sources) if i not in kept]
            stream.seek(0)
            stream.truncate()
            if page_dir is not None:
                page_dir.mkdir(parents=True, exist_ok=True)
            coded_groups = code_all(
                todo, coder, coder_factory, jobs=jobs, page_dir=page_dir, notice=summary.notices.append
            )
            for i in range(len(sources)):
                group = kept[i] if i in kept else next(coded_groups)
                # A file's notes in one write, flushed: a killed batch keeps whole files only.
                stream.write("".join(coded.line + "\n" for coded in group))
                stream.flush()
                for coded in group:
                    summary.add(coded)
                    on_result(coded)
                    if page_dir is not None:
                        rows.append(json.loads(coded.line))
            if writer is None:
                os.replace(part, out)
            else:
                _write_from(stream, out, writer)
                part.unlink()
        except PageNotWritten as exc:
            raise BatchError(f"{exc.args[0]}: cannot write the review page ({exc.args[1]})") from None
        except OSError as exc:
            safe = f"{summary.notes} notes are safe in {part}; --resume continues from them"
            raise BatchError(f"{exc.filename or part}: cannot write ({exc.strerror or exc}); {safe}") from None
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted: {summary.notes} notes are safe in {part}") from None
    if page_dir is not None:
        index = page_dir / "index.html"
        try:
            index.write_text(render_index(rows, page_dir), encoding="utf-8")
        except OSError as exc:
            raise BatchError(f"{index}: cannot write ({exc.strerror or exc}); {out} is complete") from None
    return summary


def _write_from(journal: TextIO, out: Path, writer: Callable[[Iterator[NoteResult], TextIO], None]) -> None:
    """OUT written by `writer` from the JSON lines of OUT.part, through OUT.tmp: a failure leaves
    OUT.part whole, for --resume to convert without coding a note again."""
    journal.seek(0)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as target:
        writer((NoteResult.from_dict(json.loads(line)) for line in journal), target)
    os.replace(tmp, out)


@contextmanager
def _locked(part: Path) -> Iterator[TextIO]:
    """OUT.part, opened for reading and writing and locked against other batches."""
    try:
        while True:
            fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o666)
            if fcntl is None:  # pragma: no cover
                break
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputBusy(
                    f"{part}: another vertcode batch is writing this output now; wait for it, or choose another --out"
                ) from None
            # The run that held the lock may have renamed OUT.part to OUT before we locked it:
            # then the locked file is its finished OUT, and ours is a new OUT.part.
            if os.path.exists(part) and os.path.samestat(os.stat(part), os.fstat(fd)):
                break
            os.close(fd)
    except OSError as exc:
        raise BatchError(f"{part}: cannot write ({exc.strerror or exc})") from None
    stream = open(fd, "r+", encoding="utf-8", newline="")  # noqa: SIM115  (closed below, quietly on failure)
    try:
        yield stream
    except BaseException:
        # Closing flushes what a failed write left in the buffer, and fails again; OUT.part
        # keeps every line flushed before, and the first error is the one to report.
        with suppress(OSError):
            stream.close()
        raise
    stream.close()


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


def _resumable(
    previous: str, sources: list[NoteSource], page_dir: Path | None, producer: dict[str, str]
) -> dict[int, list[Coded]]:
    """The lines of an earlier run to keep, by the index of their source in `sources`.

    A source's lines are kept when they are all there, were written for the same bytes (its
    SHA-256 now) by the same vertcode and patterns (`producer`), and, with `page_dir`, each has
    its page. Sources with the same name (table
    rows sharing an id) are matched to the earlier lines in order.
    """
    indexes: dict[str, deque[int]] = {}
    for i, source in enumerate(sources):
        indexes.setdefault(source.name, deque()).append(i)
    groups: list[tuple[str, list[dict], list[str]]] = []  # (source name, results, lines)
    for line in previous.split("\n"):
        try:
            data = json.loads(line)
            name = data["note"]
        except (ValueError, KeyError, TypeError):
            continue  # the line being written when the batch was stopped
        owner = name if name in indexes else _document_source(name, indexes)
        if owner is None:
            continue
        if groups and groups[-1][0] == owner and name != owner and groups[-1][1][-1]["note"] != owner:
            groups[-1][1].append(data)
            groups[-1][2].append(line)
        else:
            groups.append((owner, [data], [line]))
    if groups and groups[-1][1][-1]["note"] != groups[-1][0]:
        groups.pop()  # a file of several notes, last written: some of them may be missing
    kept = {}
    for owner, results, lines in groups:
        if not indexes[owner]:
            continue
        i = indexes[owner].popleft()
        sha256 = source_sha256(sources[i])
        if sha256 is None or any(r.get("sha256") != sha256 or r.get("producer") != producer for r in results):
            continue  # changed, unreadable before and perhaps readable now, or read by other rules: coded again
        if page_dir is not None and not all((page_dir / page_name(r["note"])).exists() for r in results):
            continue
        kept[i] = [
            Coded(r["note"], line, len(r["codes"]), len(r["flags"]), "; ".join(r["errors"]) or None)
            for r, line in zip(results, lines, strict=True)
        ]
    return kept


def _document_source(name: str, indexes: dict[str, deque[int]]) -> str | None:
    """The source of a document of a file of several ("messages.hl7#A1" is of "messages.hl7")."""
    head, _, _ = name.rpartition("#")
    while head:
        if head in indexes:
            return head
        head, _, _ = head.rpartition("#")
    return None
