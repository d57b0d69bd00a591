"""A time limit per note: a SIGALRM timer around the coding of one note."""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from contextlib import contextmanager

#: Seconds a note may take to code by default (on the command line): a corpus note takes
#: milliseconds, a 1 MB note (the default --max-bytes) about three seconds.
DEFAULT_TIMEOUT = 60.0


class NoteTimeout(BaseException):
    """Raised by the alarm in the middle of coding a note; a BaseException so that no library's
    `except Exception` swallows it."""


@contextmanager
def time_limit(seconds: float | None) -> Generator[None, None, None]:
    """Raise `NoteTimeout` in the block once `seconds` have passed, where a timer can: in the main
    thread on Unix (see `vertcode.run.coder.Coder`)."""
    if seconds is None or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise NoteTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
