"""Keeping note text out of logs and warnings while documents are read.

The reading libraries report what they repair, and quote what they read: pypdf logs the bytes
around a damaged object ("... Td (Jane Roe, MRN 123456: balloon kyphoplasty ..."), python-hl7
logs the whole field it cannot unescape. With no logging configured, Python's last-resort handler
prints such records to stderr; in a program that logs to a file, they would land there. Notes are
patient data, and vertcode reports each failure itself, as that note's error, without its text.

So while a document is read, the libraries' loggers are disabled and warnings are ignored, and
both are restored afterwards: a program that imports vertcode keeps its own logging and warning
settings outside reading. Only the loggers of the reading libraries are touched, never the root.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

# The namespaces the reading libraries log under (lxml reports through exceptions, not logs).
_NAMESPACES = ("pypdf", "hl7", "bs4", "docx", "striprtf")

_lock = threading.Lock()
_depth = 0
_saved: list[tuple[logging.Logger, bool, int]] = []
_warnings: warnings.catch_warnings | None = None


def _library_loggers() -> list[logging.Logger]:
    """The libraries' top loggers, and their descendants that exist now.

    A top logger's level silences the descendants created later (pypdf creates one per module on
    its first warning); `disabled` silences those that exist, whatever level they were given.
    python-hl7 names its loggers by file path, so they are taken from its modules.
    """
    loggers = [logging.getLogger(name) for name in _NAMESPACES]
    existing = list(logging.Logger.manager.loggerDict.items())
    loggers += [
        logger
        for name, logger in existing
        if isinstance(logger, logging.Logger) and name.startswith(tuple(f"{n}." for n in _NAMESPACES))
    ]
    try:
        import hl7.containers
        import hl7.util
    except ImportError:
        pass
    else:
        loggers += [module.logger for module in (hl7.util, hl7.containers) if hasattr(module, "logger")]
    return loggers


@contextmanager
def quiet_libraries() -> Iterator[None]:
    """Silence the reading libraries' logs and all warnings for the duration of the block.

    Nested and concurrent blocks share one silence, kept until the last one ends. (Warnings are
    process-wide in Python: while any thread reads, a warning in another thread is ignored too.)
    """
    global _depth, _warnings
    with _lock:
        if _depth == 0:
            for logger in _library_loggers():
                _saved.append((logger, logger.disabled, logger.level))
                logger.disabled = True
            for name in _NAMESPACES:
                logging.getLogger(name).setLevel(logging.CRITICAL + 1)
            _warnings = warnings.catch_warnings()
            _warnings.__enter__()
            warnings.simplefilter("ignore")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                assert _warnings is not None
                _warnings.__exit__(None, None, None)
                _warnings = None
                for logger, disabled, level in reversed(_saved):
                    logger.disabled = disabled
                    logger.setLevel(level)
                _saved.clear()
