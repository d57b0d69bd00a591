"""Batch coding: every note of a folder into one JSON lines file, in one process or several.

Each worker process builds the pipeline once (inherited from the parent where the platform
forks) and codes chunks of notes; results come back in input order, so the output is the same,
byte for byte, whatever the number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vertcode.coding import Coder
from vertcode.model import NoteResult
from vertcode.notes import NoteSource
from vertcode.output import to_json_line

#: Notes a worker codes per round trip: large enough to amortise the hand-off, small enough
#: that the progress bar moves and memory stays flat.
CHUNK = 16


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
        return cls(result.note, to_json_line(result), len(result.codes), len(result.flags),
                   "; ".join(result.errors) or None)


@dataclass
class Summary:
    notes: int = 0
    codes: int = 0
    flags: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (note, reason)

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


def run_batch(sources: list[NoteSource], out: Path, coder_factory: Callable[[], Coder], *, jobs: int = 1,
              on_result: Callable[[Coded], None] = lambda coded: None) -> Summary:
    """Code `sources` into the JSON lines file `out`, written whole or not at all."""
    summary = Summary()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for coded in code_all(sources, coder_factory, jobs=jobs):
                stream.write(coded.line + "\n")
                summary.add(coded)
                on_result(coded)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


def code_all(sources: list[NoteSource], coder_factory: Callable[[], Coder], *, jobs: int = 1) -> Iterator[Coded]:
    """Results for `sources`, in order, from `jobs` processes."""
    jobs = max(1, min(jobs, len(sources) // CHUNK + 1))
    if jobs == 1:
        yield from map(Coded.of, coder_factory().code_sources(sources))
        return
    chunks = [sources[i:i + CHUNK] for i in range(0, len(sources), CHUNK)]
    if "fork" in multiprocessing.get_all_start_methods():
        # The children inherit the parent's pipeline instead of building their own.
        global _worker_coder
        _worker_coder = coder_factory()
        context, initializer, args = multiprocessing.get_context("fork"), None, ()
    else:  # pragma: no cover - platforms without fork build one pipeline per worker
        context, initializer, args = multiprocessing.get_context("spawn"), _init_worker, (coder_factory,)
    with context.Pool(jobs, initializer=initializer, initargs=args) as pool:
        for results in pool.imap(_code_chunk, chunks):
            yield from results


_worker_coder: Coder | None = None


def _init_worker(coder_factory: Callable[[], Coder]) -> None:  # pragma: no cover - spawn only
    global _worker_coder
    _worker_coder = coder_factory()


def _code_chunk(chunk: Iterable[NoteSource]) -> list[Coded]:
    return [Coded.of(result) for result in _worker_coder.code_sources(chunk)]
