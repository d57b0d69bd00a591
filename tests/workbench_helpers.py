"""What the workbench tests share: a folder of real notes coded into a results file, and a
database on SQLite (a file) or on the real PostgreSQL server CI starts (VERTCODE_TEST_POSTGRES)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import NOTES, VERTCODE

#: Notes whose codes the tests know: (file, {code: units}, disposition).
CHOSEN = {
    "seed-01.txt": ({"22510": 1}, "auto"),
    "seed-04.txt": ({"22513": 1, "22515": 2}, "review"),
    "b13a-34.txt": ({"22510": 1, "20225": 1}, "review"),
    "mix-03.txt": ({}, "auto"),
}
DATED = (
    "Date of service: 03/14/2024\n"
    "PROCEDURE: Percutaneous vertebroplasty at T7.\n"
    "Under fluoroscopy an 11-gauge needle was advanced transpedicularly into T7 and 3 mL of PMMA cement was injected.\n"
)
HOSTILE = (
    "PROCEDURE: Balloon kyphoplasty at T12 <script>document.title='pwned';"
    "document.body.setAttribute('data-pwned','1')</script> with a balloon tamp and PMMA cement.\n"
    "<img src=x onerror=\"document.title='pwned'\">\n"
)

POSTGRES = os.environ.get("VERTCODE_TEST_POSTGRES")


def make_notes(folder: Path) -> Path:
    """A folder of notes: four from the corpus, one with a date of service, one with markup."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in CHOSEN:
        shutil.copyfile(NOTES / name, folder / name)
    (folder / "dated.txt").write_text(DATED, encoding="utf-8")
    (folder / "hostile-<b>.txt").write_text(HOSTILE, encoding="utf-8")
    return folder


def write_results(coder, folder: Path, out: Path) -> Path:
    from vertcode.read.files import find_notes
    from vertcode.write.records import write_jsonl

    with out.open("w", encoding="utf-8") as stream:
        write_jsonl(coder.code_sources(find_notes(folder)), stream)
    return out


def database_urls() -> list:
    """SQLite always; PostgreSQL when the server's URL is given, and it must be under CI."""
    postgres = "postgres" if POSTGRES or os.environ.get("CI") == "true" else None
    reason = "VERTCODE_TEST_POSTGRES is not set: no PostgreSQL server to test on (.ci/run starts one)"
    return ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(postgres is None, reason=reason))]


def fresh_database(kind: str, tmp_path: Path) -> str:
    """The URL of an empty database of `kind`: a new SQLite file, or the test PostgreSQL database
    with every table dropped (the workbench creates them again through its migrations)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'review.db'}"
    if not POSTGRES:
        pytest.fail("CI=true but VERTCODE_TEST_POSTGRES is not set: .ci/run must start PostgreSQL for these tests")
    import sqlalchemy as sa

    from vertcode.workbench.schema import database_url

    url = database_url(POSTGRES, tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS decisions, lines, versions, notes, alembic_version CASCADE"))
    engine.dispose()
    return POSTGRES


class Client:
    """A browser's requests, made by calling the WSGI application: cookies kept, forms posted."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        import io
        from http.cookies import SimpleCookie
        from urllib.parse import urlencode

        target, _, query = path.partition("?")
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": target,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_HOST": "127.0.0.1:8765",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "wsgi.input": io.BytesIO(body),
        }
        environ.update(headers or {})
        answer: dict = {}

        def start_response(status, response_headers):
            answer["status"] = int(status.split()[0])
            answer["headers"] = response_headers

        answer["body"] = b"".join(self.app(environ, start_response)).decode("utf-8")
        for name, value in answer["headers"]:
            if name == "Set-Cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return answer

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, form: dict, headers: dict | None = None):
        return self.request("POST", path, form, headers)

    def csrf(self) -> str:
        if "vc_csrf" not in self.cookies:
            self.get("/")
        return self.cookies["vc_csrf"]


class Server:
    """`vertcode review` running, and a browser's cookies for it."""

    def __init__(self, *args) -> None:
        self.process = subprocess.Popen(
            [*VERTCODE, "review", *map(str, args), "--port", "0", "--user", "ana"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, line + self.process.stderr.read()
        self.address = found.group()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.address + path.lstrip("/"), timeout=30) as answer:
            return answer.read().decode("utf-8")

    def post(self, path: str, form: dict) -> str:
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.address + path.lstrip("/"), data=data, timeout=30) as answer:
            return answer.read().decode("utf-8")

    def kill(self) -> str:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        return self.process.stderr.read()
