"""Progress of a batch on standard error: a bar on a terminal, a plain line now and then elsewhere."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Seconds between progress lines when stderr is not a terminal (cron, nohup, a CI log).
PROGRESS_EVERY = 10.0


@contextmanager
def progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar with count, rate and time left on an interactive terminal; elsewhere a
    plain line every PROGRESS_EVERY seconds, so a log shows the batch is alive."""
    if not sys.stderr.isatty():
        start = last = time.monotonic()
        done = 0

        def advance() -> None:
            nonlocal done, last
            done += 1
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY and done < total:
                last = now
                rate = done / (now - start)
                left = (total - done) / rate
                print(
                    f"vertcode: {done:,}/{total:,} notes, {rate:.0f} notes/s, about {_duration(left)} left",
                    file=sys.stderr,
                )

        yield advance
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:.0f} notes/s" if task.speed else "")

    columns = (TextColumn("coding notes"), BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn())
    with Progress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("coding notes", total=total)
        yield lambda: bar.advance(task)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
