"""Batch coding: every note of a folder into one JSON lines file, in one process or several.

Each worker process builds the pipeline once (inherited from the parent where the platform
forks) and codes chunks of notes; results come back in input order, so the output is the same,
byte for byte, whatever the number of jobs. Output goes line by line to OUT.part, renamed to OUT
at the end; an interrupted batch is continued with `resume`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path

from vertcode.model import NoteResult
from vertcode.read.files import source_sha256
from vertcode.read.text import NoteSource
from vertcode.run.coder import Coder
from vertcode.write.pages import page_name, render_index, render_note
from vertcode.write.records import to_json_line

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
        return cls(
            result.note, to_json_line(result), len(result.codes), len(result.flags), "; ".join(result.errors) or None
        )


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
    keeps the lines of notes already coded there (same path, same SHA-256 of the bytes) and
    codes the rest, so nothing is lost or written twice. With `page_dir`, each note gets a review
    page there, and `index.html` lists them all.
    """
    summary = Summary()
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    kept = _resumable(part if part.exists() else out, sources) if resume else []
    with part.open("w", encoding="utf-8") as stream:
        for coded in kept:
            stream.write(coded.line + "\n")
            summary.add(coded)
            on_result(coded)
        stream.flush()
        done = {coded.note for coded in kept}
        todo = [source for source in sources if source.name not in done]
        if page_dir is not None:
            page_dir.mkdir(parents=True, exist_ok=True)
        for coded in code_all(todo, coder_factory, jobs=jobs, page_dir=page_dir):
            stream.write(coded.line + "\n")
            # Each line reaches the operating system as it is coded: a killed batch keeps it.
            stream.flush()
            summary.add(coded)
            on_result(coded)
    os.replace(part, out)
    if page_dir is not None:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        (page_dir / "index.html").write_text(render_index(rows, page_dir), encoding="utf-8")
    return summary


def _resumable(previous: Path, sources: list[NoteSource]) -> list[Coded]:
    """Complete lines of an earlier run whose note is still in `sources` with the same bytes."""
    if not previous.exists():
        return []
    current = {source.name: source for source in sources}
    kept, seen = [], set()
    for line in previous.read_text(encoding="utf-8").split("\n"):
        try:
            data = json.loads(line)
            name = data["note"]
        except (ValueError, KeyError, TypeError):
            continue  # the line being written when the batch was stopped
        source = current.get(name)
        if name in seen:
            continue
        seen.add(name)
        if source is None or data.get("sha256") != source_sha256(source):
            continue  # gone, changed, or unreadable before and readable now: coded again
        kept.append(Coded(name, line, len(data["codes"]), len(data["flags"]), "; ".join(data["errors"]) or None))
    return kept


def code_all(
    sources: list[NoteSource], coder_factory: Callable[[], Coder], *, jobs: int = 1, page_dir: Path | None = None
) -> Iterator[Coded]:
    """Results for `sources`, in order, from `jobs` processes; with `page_dir`, a review page
    for each note is written there by the process that coded it."""
    jobs = max(1, min(jobs, len(sources) // CHUNK + 1))
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
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
    with context.Pool(jobs, initializer=initializer, initargs=args) as pool:
        for results in pool.imap(_code_chunk, chunks):
            yield from results


@dataclass
class _Worker:
    coder: Coder
    page_dir: Path | None


_worker: _Worker | None = None


def _init_worker(coder_factory: Callable[[], Coder], page_dir: Path | None) -> None:  # pragma: no cover
    global _worker
    _worker = _Worker(coder_factory(), page_dir)


def _code_chunk(chunk: Iterable[NoteSource]) -> list[Coded]:
    worker = _worker
    assert worker is not None, "code_all sets up the worker before any chunk is coded"
    coded = []
    for source in chunk:
        for note, result in worker.coder.read_and_code(source):
            if worker.page_dir is not None and note is not None:
                (worker.page_dir / page_name(note.name)).write_text(render_note(result, note.text), encoding="utf-8")
            coded.append(Coded.of(result))
    return coded
