"""Coding many notes in several processes: results in input order, whatever the number of
processes, and a worker that dies costs only the note that killed it.

Each worker process builds the pipeline once (inherited from the parent where the platform
forks) and codes chunks of notes. A worker that dies (the out-of-memory killer, a signal) does not
stop the batch: the notes it held are coded again, one at a time, and a note that kills its
worker again is reported as that note's error.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

from vertcode.model import NoteResult
from vertcode.read.text import NoteSource
from vertcode.run.coder import Coder
from vertcode.write.pages import page_name, render_note
from vertcode.write.records import to_json_line

#: Notes a worker codes per round trip: large enough to amortise the hand-off, small enough
#: that the progress bar moves and memory stays flat.
CHUNK = 16

#: The error of a note whose worker died twice while coding it alone.
WORKER_DIED = "the process coding this note stopped abruptly (killed, perhaps for lack of memory); not coded"


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


def default_jobs() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def code_all(
    sources: list[NoteSource],
    coder: Coder,
    coder_factory: Callable[[], Coder],
    *,
    jobs: int = 1,
    page_dir: Path | None = None,
    notice: Callable[[str], None] = lambda message: None,
) -> Iterator[list[Coded]]:
    """The results of each of `sources` (a file may hold several notes), in order, from `jobs`
    processes; with `page_dir`, a review page for each note is written there by the process
    that coded it. `coder` codes in this process (and, forked, in its children); platforms that
    cannot fork build one per worker with `coder_factory`. `notice` hears of workers that died
    and what was done about it."""
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    if not chunks:
        return
    jobs = max(1, min(jobs, len(chunks)))
    global _worker
    _worker = _Worker(coder, page_dir)
    if jobs == 1:
        for chunk in chunks:
            yield from _code_chunk(chunk)
        return
    if "fork" in multiprocessing.get_all_start_methods():
        # The children inherit the parent's pipeline instead of building their own.
        context: BaseContext = multiprocessing.get_context("fork")
        initializer: Callable[..., None] | None = None
        args: tuple = ()
    else:  # pragma: no cover - platforms without fork build one pipeline per worker
        context, initializer, args = multiprocessing.get_context("spawn"), _init_worker, (coder_factory, page_dir)
    yield from _in_pool(chunks, jobs, lambda: ProcessPoolExecutor(jobs, context, initializer, args), coder, notice)


@dataclass
class _Task:
    chunk: list[NoteSource]
    alone: bool = False  # coded with nothing else in flight: its worker's death is its own
    done: list[list[Coded]] | None = None  # finished before the pool broke


def _in_pool(
    chunks: list[list[NoteSource]],
    jobs: int,
    pool_factory: Callable[[], ProcessPoolExecutor],
    coder: Coder,
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
                yield [Coded.of(coder.not_coded(source, WORKER_DIED))]
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


class PageNotWritten(Exception):
    """A review page could not be written: (path, reason), plain strings, so it crosses processes."""


def _code_chunk(chunk: Iterable[NoteSource]) -> list[list[Coded]]:
    worker = _worker
    assert worker is not None, "code_all sets up the worker before any chunk is coded"
    coded = []
    for results in worker.coder.read_and_code_all(chunk):
        group = []
        for note, result in results:
            if worker.page_dir is not None and note is not None:
                page = worker.page_dir / page_name(note.name)
                try:
                    page.write_text(render_note(result, note.text, index="index.html"), encoding="utf-8")
                except OSError as exc:
                    raise PageNotWritten(str(page), exc.strerror or str(exc)) from None
            group.append(Coded.of(result))
        coded.append(group)
    return coded
