"""Batch coding: every note of a folder into one JSON lines file, in one process or several.

Each worker process builds the pipeline once (inherited from the parent where the platform
forks) and codes chunks of notes; results come back in input order, so the output is the same,
byte for byte, whatever the number of jobs. Output goes line by line to OUT.part, renamed to OUT
at the end; an interrupted batch is continued with `resume`, and its output is then the same as
a clean run's. OUT.part is locked while a batch writes it, so two runs never interleave.

A worker that dies (the out-of-memory killer, a signal) does not stop the batch: the notes it
held are coded again, one at a time, and a note that kills its worker again is reported as that
note's error.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TextIO

from vertcode.model import NoteResult
from vertcode.read.files import source_sha256
from vertcode.read.text import NoteSource
from vertcode.run.coder import Coder
from vertcode.write.pages import page_name, render_index, render_note
from vertcode.write.records import to_json_line

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Unix: OUT is not locked
    fcntl = None  # type: ignore[assignment]

#: Notes a worker codes per round trip: large enough to amortise the hand-off, small enough
#: that the progress bar moves and memory stays flat.
CHUNK = 16

#: The error of a note whose worker died twice while coding it alone.
WORKER_DIED = "the process coding this note stopped abruptly (killed, perhaps for lack of memory); not coded"


class BatchError(Exception):
    """The batch cannot go on: its output cannot be written. The message names the path and
    the reason, and what was kept."""


class OutputBusy(BatchError):
    """Another batch is writing the same output: nothing was coded."""


class Interrupted(BatchError):
    """The user stopped the batch (Ctrl-C); the message says what is safe in OUT.part."""


@dataclass(frozen=True)
class Coded:
    """One note's result as written, with the counts the summary needs (cheap to pass between
    processes, unlike the full result)."""

    note: str
    line: str
    codes: int
    flags: int
    error: str | None

    @classmethod
    def of(cls, result: NoteResult) -> Coded:
        return cls(
            result.note, to_json_line(result), len(result.codes), len(result.flags), "; ".join(result.errors) or None
        )


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


def default_jobs() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def run_batch(
    sources: list[NoteSource],
    out: Path,
    coder_factory: Callable[[], Coder],
    *,
    jobs: int = 1,
    resume: bool = False,
    page_dir: Path | None = None,
    on_result: Callable[[Coded], None] = lambda coded: None,
) -> Summary:
    """Code `sources` into the JSON lines file `out`.

    Lines go to OUT.part as each note is coded, and OUT.part becomes OUT when the batch is done,
    so OUT is never half-written. An interrupted batch leaves OUT.part; with `resume` the batch
    keeps the lines of notes already coded there (same name, same SHA-256 of the bytes, and
    their page when `page_dir` is given) and codes the rest in place, so the output is what a
    clean run writes. With `page_dir`, each note gets a review page there, and `index.html`
    lists them all. BatchError when another batch is writing OUT.part, or on a write failure,
    with OUT.part left resumable and an earlier OUT untouched.
    """
    summary = Summary()
    part = out.with_name(out.name + ".part")
    with _locked(part) as stream:
        previous = (stream.buffer.read().decode("utf-8", "replace") or _read_text(out)) if resume else ""
        kept = _resumable(previous, sources, page_dir)
        summary.kept = sum(len(group) for group in kept.values())
        todo = [source for i, source in enumerate(sources) if i not in kept]
        try:
            stream.seek(0)
            stream.truncate()
            if page_dir is not None:
                page_dir.mkdir(parents=True, exist_ok=True)
            coded_groups = code_all(todo, coder_factory, jobs=jobs, page_dir=page_dir, notice=summary.notices.append)
            for i in range(len(sources)):
                group = kept[i] if i in kept else next(coded_groups)
                # A file's notes in one write, flushed: a killed batch keeps whole files only.
                stream.write("".join(coded.line + "\n" for coded in group))
                stream.flush()
                for coded in group:
                    summary.add(coded)
                    on_result(coded)
            os.replace(part, out)
        except _PageNotWritten as exc:
            raise BatchError(f"{exc.args[0]}: cannot write the review page ({exc.args[1]})") from None
        except OSError as exc:
            safe = f"{summary.notes} notes are safe in {part}; --resume continues from them"
            raise BatchError(f"{exc.filename or part}: cannot write ({exc.strerror or exc}); {safe}") from None
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted: {summary.notes} notes are safe in {part}") from None
    if page_dir is not None:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        index = page_dir / "index.html"
        try:
            index.write_text(render_index(rows, page_dir), encoding="utf-8")
        except OSError as exc:
            raise BatchError(f"{index}: cannot write ({exc.strerror or exc}); {out} is complete") from None
    return summary


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


def _resumable(previous: str, sources: list[NoteSource], page_dir: Path | None) -> dict[int, list[Coded]]:
    """The lines of an earlier run to keep, by the index of their source in `sources`.

    A source's lines are kept when they are all there, were written for the same bytes (its
    SHA-256 now), and, with `page_dir`, each has its page. Sources with the same name (table
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
        if sha256 is None or any(result.get("sha256") != sha256 for result in results):
            continue  # changed, or unreadable before and perhaps readable now: coded again
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


def code_all(
    sources: list[NoteSource],
    coder_factory: Callable[[], Coder],
    *,
    jobs: int = 1,
    page_dir: Path | None = None,
    notice: Callable[[str], None] = lambda message: None,
) -> Iterator[list[Coded]]:
    """The results of each of `sources` (a file may hold several notes), in order, from `jobs`
    processes; with `page_dir`, a review page for each note is written there by the process
    that coded it. `notice` hears of workers that died and what was done about it."""
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    if not chunks:
        return
    jobs = max(1, min(jobs, len(chunks)))
    global _worker
    if jobs == 1:
        _worker = _Worker(coder_factory(), page_dir)
        for chunk in chunks:
            yield from _code_chunk(chunk)
        return
    if "fork" in multiprocessing.get_all_start_methods():
        # The children inherit the parent's pipeline instead of building their own.
        _worker = _Worker(coder_factory(), page_dir)
        context: BaseContext = multiprocessing.get_context("fork")
        initializer: Callable[..., None] | None = None
        args: tuple = ()
    else:  # pragma: no cover - platforms without fork build one pipeline per worker
        context, initializer, args = multiprocessing.get_context("spawn"), _init_worker, (coder_factory, page_dir)
    yield from _in_pool(chunks, jobs, lambda: ProcessPoolExecutor(jobs, context, initializer, args), notice)


@dataclass
class _Task:
    chunk: list[NoteSource]
    alone: bool = False  # coded with nothing else in flight: its worker's death is its own
    done: list[list[Coded]] | None = None  # finished before the pool broke


def _in_pool(
    chunks: list[list[NoteSource]],
    jobs: int,
    pool_factory: Callable[[], ProcessPoolExecutor],
    notice: Callable[[str], None],
) -> Iterator[list[Coded]]:
    """Chunks coded by a pool of processes, in order, at most two per process in flight.

    When a worker dies the pool is broken: the chunks then in flight are coded again, in a new
    pool, note by note and one at a time, so a note that kills its worker again is known.
    """
    queue = deque(_Task(chunk) for chunk in chunks)
    while queue:
        pool = pool_factory()
        flight: deque[tuple[_Task, Future]] = deque()
        try:
            while queue or flight:
                while queue and len(flight) < (1 if queue[0].alone or (flight and flight[0][0].alone) else 2 * jobs):
                    task = queue[0]
                    flight.append((task, pool.submit(_code_chunk, task.chunk) if task.done is None else _ready(task)))
                    queue.popleft()
                task, future = flight[0]
                results = future.result()
                flight.popleft()
                yield from results
        except BrokenProcessPool:
            lost = list(flight)
            if lost and lost[0][0].alone:
                source = lost[0][0].chunk[0]
                notice(f"{source.name}: its worker died twice; reported as not coded")
                yield [Coded.of(NoteResult(note=source.name, errors=[WORKER_DIED], id=source.id))]
                lost = lost[1:]
            elif lost:
                notes = sum(len(task.chunk) for task, _ in lost)
                notice(f"a worker process stopped abruptly; the {notes} notes in flight were coded again")
            retry = []
            for task, future in lost:
                if future.done() and future.exception() is None:
                    retry.append(_Task(task.chunk, done=future.result()))
                else:
                    retry += [_Task([source], alone=True) for source in task.chunk]
            queue.extendleft(reversed(retry))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _ready(task: _Task) -> Future:
    future: Future = Future()
    future.set_result(task.done)
    return future


@dataclass
class _Worker:
    coder: Coder
    page_dir: Path | None


_worker: _Worker | None = None


def _init_worker(coder_factory: Callable[[], Coder], page_dir: Path | None) -> None:  # pragma: no cover
    global _worker
    _worker = _Worker(coder_factory(), page_dir)


class _PageNotWritten(Exception):
    """A review page could not be written: (path, reason), plain strings, so it crosses processes."""


def _code_chunk(chunk: Iterable[NoteSource]) -> list[list[Coded]]:
    worker = _worker
    assert worker is not None, "code_all sets up the worker before any chunk is coded"
    coded = []
    for source in chunk:
        group = []
        for note, result in worker.coder.read_and_code(source):
            if worker.page_dir is not None and note is not None:
                page = worker.page_dir / page_name(note.name)
                try:
                    page.write_text(render_note(result, note.text, index="index.html"), encoding="utf-8")
                except OSError as exc:
                    raise _PageNotWritten(str(page), exc.strerror or str(exc)) from None
            group.append(Coded.of(result))
        coded.append(group)
    return coded
