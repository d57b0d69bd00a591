"""The workbench as a WSGI application.

Why the standard library's WSGI and no web framework: the application is a handful of pages and
form posts, rendered on the server, for one coder's browser on this machine (a team shares the
database, each coder runs their own server); a WSGI callable is tested by calling it, and
`wsgiref` with a thread per request serves it. The dependencies stay what the database needs.

Security: every state-changing request is a POST carrying the CSRF token of the coder's cookie
(double submit: a page elsewhere can neither read the cookie nor the token), and a POST whose
Origin is another site is refused. With a login token (`--token`), every request needs the
cookie set by /login. Pages are the ones of `views`, which escape every value; the headers add
a Content-Security-Policy of their own (no framing, forms to this server only).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import secrets
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from sqlalchemy.engine import Engine

from vertcode.workbench import exports, stats, store, views
from vertcode.write.pages.common import page

Response = tuple[int, list[tuple[str, str]], bytes]
HEADERS = [
    ("Content-Security-Policy", "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),  # "no-referrer" would make a form's Origin "null"
    ("Cache-Control", "no-store"),
]
DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", "vertcode-charges.csv", exports.write_csv),
    "fhir": ("application/fhir+json; charset=utf-8", "vertcode-claims.json", exports.write_fhir),
    "hl7": ("application/hl7-v2; charset=utf-8", "vertcode-dft.hl7", exports.write_hl7),
}
MAX_BODY = 64 * 1024


class Workbench:
    """The application: `engine` the database, `user` whose decisions these are."""

    def __init__(self, engine: Engine, user: str, token: str | None = None) -> None:
        self.engine = engine
        self.user = user
        self.token = token

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        csrf = cookies["vc_csrf"].value if "vc_csrf" in cookies else ""
        extra: list[tuple[str, str]] = []
        if len(csrf) != 43:  # a fresh coder: a token of 32 random bytes, for this browser only
            csrf = secrets.token_urlsafe(32)
            extra.append(("Set-Cookie", f"vc_csrf={csrf}; Path=/; HttpOnly; SameSite=Strict"))
        try:
            status, headers, body = self._route(environ, cookies, csrf)
        except store.Conflict as exc:
            status, headers, body = _html(409, views.message_page("Conflict", str(exc), _referer(environ)))
        except store.InvalidDecision as exc:
            status, headers, body = _html(400, views.message_page("Not saved", str(exc), _referer(environ)))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers + extra + HEADERS)
        return [body]

    def _route(self, environ: dict, cookies: SimpleCookie, csrf: str) -> Response:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "/")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if self.token is not None and path != "/login" and not self._logged_in(cookies):
            return _redirect("/login")
        if method == "POST":
            form = _form(environ)
            if not _same_origin(environ) or not hmac.compare_digest(form.get("csrf", ""), csrf):
                return _html(
                    403, views.message_page("Refused", "The form's token is missing or stale: reload the page.", "/")
                )
            return self._post(path, query, form)
        if method not in ("GET", "HEAD"):
            return _html(405, views.message_page("Not allowed", f"{method} is not a method this server takes.", "/"))
        return self._get(path, query, csrf)

    def _logged_in(self, cookies: SimpleCookie) -> bool:
        given = cookies["vc_login"].value if "vc_login" in cookies else ""
        return hmac.compare_digest(given, _login_value(self.token or ""))

    def _get(self, path: str, query: dict, csrf: str) -> Response:
        asked = _worklist(query)
        if path == "/":
            all_views = store.load_notes(self.engine, with_text=bool(asked.q))
            shown = views.select(all_views, asked)
            return _html(200, views.worklist_page(all_views, shown, asked, csrf, self.user))
        if path.startswith("/note/") and path[6:].isdigit():
            note_id = int(path[6:])
            view = store.load_note(self.engine, note_id)
            if view is None:
                return _html(404, views.message_page("Not found", f"There is no note {note_id}.", "/"))
            order = [v.id for v in views.select(store.load_notes(self.engine, with_text=bool(asked.q)), asked)]
            where = order.index(note_id) if note_id in order else None
            neighbours = (
                (order[where - 1] if where else None, order[where + 1] if where + 1 < len(order) else None)
                if where is not None
                else (None, None)
            )
            trail = store.history(self.engine, note_id)
            return _html(200, views.note_page(view, trail, neighbours, asked, csrf))
        if path.startswith("/export/") and path[8:] in DOWNLOADS:
            kind, name, writer = DOWNLOADS[path[8:]]
            stream = io.StringIO()
            writer(exports.done_notes(self.engine), stream)
            headers = [("Content-Type", kind), ("Content-Disposition", f'attachment; filename="{name}"')]
            return 200, headers, stream.getvalue().encode("utf-8")
        if path == "/stats":
            return _html(200, views.stats_page(stats.compute(self.engine).to_dict()))
        if path == "/login" and self.token is not None:
            return _html(200, _login_page(csrf))
        return _html(404, views.message_page("Not found", "There is no such page.", "/"))

    def _post(self, path: str, query: dict, form: dict) -> Response:
        back = _worklist(query).query()
        if path == "/login" and self.token is not None:
            if not hmac.compare_digest(form.get("token", ""), self.token):
                return _html(403, views.message_page("Refused", "That is not the login token.", "/login"))
            return 303, [("Location", "/"), ("Set-Cookie", _login_cookie(self.token))], b""
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "note" or not parts[1].isdigit():
            return _html(404, views.message_page("Not found", "There is no such form.", "/"))
        note_id, version = int(parts[1]), _int(form.get("version"))
        if parts[2] == "line" and len(parts) == 4 and parts[3].isdigit():
            store.decide(
                self.engine,
                int(parts[3]),
                _int(form.get("rev")),
                self.user,
                form.get("action", ""),
                code=form.get("code"),
                units=form.get("units", ""),
                modifiers=_modifiers(form.get("modifiers", "")),
                reason=form.get("reason") or None,
                comment=form.get("comment"),
            )
        elif parts[2] == "add":
            store.add_line(
                self.engine,
                note_id,
                version,
                self.user,
                form.get("code"),
                form.get("units", ""),
                _modifiers(form.get("modifiers", "")),
                form.get("levels", ""),
            )
        elif parts[2] == "event":
            store.note_event(self.engine, note_id, version, self.user, form.get("action", ""), form.get("comment", ""))
        else:
            return _html(404, views.message_page("Not found", "There is no such form.", "/"))
        # Post, then redirect: a reload never decides twice.
        return 303, [("Location", f"/note/{note_id}{back}")], b""


def _worklist(query: dict) -> views.Worklist:
    fields = views.Worklist.__dataclass_fields__
    return views.Worklist(**{k: v for k, v in query.items() if k in fields})


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise store.InvalidDecision("the form is incomplete: reload the page") from None


def _modifiers(text: str) -> list[str]:
    return [m for m in text.replace(",", " ").replace("-", " ").split() if m]


def _form(environ: dict) -> dict[str, str]:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length).decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _same_origin(environ: dict) -> bool:
    """A browser says where a form came from; one from another site is refused."""
    origin = environ.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return origin is None
    return origin.split("://", 1)[-1] == environ.get("HTTP_HOST", "")


def _referer(environ: dict) -> str:
    path = environ.get("PATH_INFO", "/")
    parts = path.strip("/").split("/")
    return f"/note/{parts[1]}" if len(parts) > 1 and parts[0] == "note" else "/"


def _html(status: int, text: str) -> Response:
    return status, [("Content-Type", "text/html; charset=utf-8")], text.encode("utf-8")


def _redirect(location: str) -> Response:
    return 303, [("Location", location)], b""


def _login_value(token: str) -> str:
    """What the login cookie holds: a digest of the token (any token fits in a cookie)."""
    return hashlib.sha256(b"vertcode-login:" + token.encode("utf-8")).hexdigest()


def _login_cookie(token: str) -> str:
    return f"vc_login={_login_value(token)}; Path=/; HttpOnly; SameSite=Strict"


def _login_page(csrf: str) -> str:
    return page(
        "vertcode: log in",
        '<header><h1>vertcode workbench</h1></header><main class="index"><form method="post" action="/login">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        '<label>Login token <input type="password" name="token" autofocus></label> <button>Log in</button>'
        "</form></main>",
        "",
    )
