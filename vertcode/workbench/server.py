"""Serving the workbench: the standard library's WSGI server, a thread per request.

Its log lines name the method, the path without its query (a search may be words of a note)
and the status, never a note's text, a form's fields or a cookie.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    log: TextIO = sys.stderr

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        self.log.write(f"{self.log_date_time_string()} {self.command} {path} {code}\n")

    def log_message(self, format: str, *args) -> None:
        # An error's message can quote the request line, and so a search's words: the code only.
        code = next((a for a in args if isinstance(a, int)), "")
        self.log.write(f"{self.log_date_time_string()} request error {code}\n")


class PortError(OSError):
    """The address cannot be bound (in use, not this machine's, no permission)."""


def serve(app: Callable, host: str, port: int, on_ready: Callable[[str], None], log: TextIO = sys.stderr) -> None:
    """Serve `app` on host:port until interrupted; `on_ready` gets the address once it listens."""
    _QuietHandler.log = log
    try:
        server = make_server(host, port, app, server_class=_Server, handler_class=_QuietHandler)
    except OSError as exc:
        raise PortError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    with server:
        shown = f"[{host}]" if ":" in host else host
        on_ready(f"http://{shown}:{server.server_port}/")
        server.serve_forever()
