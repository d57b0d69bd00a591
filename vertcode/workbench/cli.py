"""`vertcode review`: import results (or code a folder first) and serve the workbench; export the
decisions; print what they say. Registered on vertcode's command line by `vertcode.cli`.

Errors are messages naming the problem (a bad --db, an unreadable results file, a port in
use), with exit code 2, never a traceback.
"""

from __future__ import annotations

import getpass
import ipaddress
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from vertcode.read.text import DEFAULT_MAX_BYTES
from vertcode.write.table import printable

EXIT_USAGE = 2


class _ServeByDefault(TyperGroup):
    """`vertcode review SOURCE ...` is `vertcode review serve SOURCE ...`: the one command a coder
    types; `export` and `stats` are the others."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["serve", *args]
        return super().parse_args(ctx, args)


review_app = typer.Typer(
    cls=_ServeByDefault,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="The coders' workbench: review the suggestions in a browser, export the decisions, learn from them.",
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite file or postgresql://user:password@host/db URL (default: vertcode-review.db beside the results).",
    ),
]


class ExportFormat(str, Enum):
    csv = "csv"
    fhir = "fhir"
    hl7 = "hl7"
    gold = "gold"


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"vertcode: {printable(message)}", err=True)
    raise typer.Exit(code)


def _need_extra() -> None:
    """The workbench's libraries are the `review` extra: without them, say so."""
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        _fail(f"the workbench needs {exc.name}: pip install 'vertcode[review]'")


def _open(db: str | None, beside: Path, must_exist: bool = False):
    _need_extra()
    from vertcode.workbench.schema import DatabaseError, database_url, open_database

    try:
        url = database_url(db, beside)
        if must_exist and url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).is_file():
            _fail(f"{url[len('sqlite:///') :]}: no workbench database there (--db names it)")
        return open_database(url)
    except DatabaseError as exc:
        _fail(str(exc))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@review_app.command("serve")
def serve(
    source: Annotated[
        Path, typer.Argument(help="Results of `vertcode batch` (JSON lines), or a folder of notes to code.")
    ],
    db: DbOption = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to serve on (0: any free one).")] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Interface to serve on; another than loopback needs --token.")
    ] = "127.0.0.1",
    user: Annotated[
        str | None, typer.Option("--user", help="Whose decisions these are (default: the OS user).")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="VERTCODE_REVIEW_TOKEN", help="Login token the browser must give first."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Processes to code a folder with; 0: all.")] = 0,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Import, then stop: serve nothing.")] = False,
) -> None:
    """Import results (or code a folder first) into the database and serve the worklist on this machine."""
    _need_extra()
    from vertcode.run.progress import progress
    from vertcode.workbench.intake import IntakeError, import_results, read_results
    from vertcode.workbench.server import PortError
    from vertcode.workbench.server import serve as run_server
    from vertcode.workbench.web import Workbench

    if not _loopback(host) and not token:
        _fail(f"--host {host} would show patients' notes to the network: give a login token (--token)")
    if not source.exists():
        _fail(f"{source}: no such file or folder")
    beside = source.parent if source.is_dir() else source.resolve().parent
    engine = _open(db, beside)
    results_file = _code_folder(source, beside / "vertcode-review.jsonl", jobs) if source.is_dir() else source
    try:
        results = read_results(results_file)
    except IntakeError as exc:
        _fail(str(exc))
    with progress(len(results)) as advance:
        summary, notices = import_results(engine, results, results_file.resolve().parent, _coder, advance)
    for notice in notices:
        typer.echo(f"vertcode: {printable(notice)}", err=True)
    typer.echo(f"{summary} -> {printable(engine.url.render_as_string(hide_password=True))}", err=True)
    if no_serve:
        raise typer.Exit(0)
    app = Workbench(engine, user or getpass.getuser(), token)
    try:
        run_server(app, host, port, lambda address: typer.echo(f"The workbench: {address}  (Ctrl-C stops it)"))
    except PortError as exc:
        _fail(f"{exc}; choose another with --port")
    except KeyboardInterrupt:
        typer.echo("stopped; every decision acknowledged is in the database", err=True)


def _coder():
    from vertcode.patterns import PatternError
    from vertcode.run.coder import Coder

    try:
        return Coder(max_bytes=DEFAULT_MAX_BYTES)
    except PatternError as exc:
        _fail(f"invalid patterns: {exc}")


def _code_folder(folder: Path, out: Path, jobs: int) -> Path:
    """Code the folder into `out` as `batch --resume` does: a note unchanged since the last run
    is kept, only new and changed ones are coded."""
    from vertcode.read.files import find_notes
    from vertcode.run.batch import BatchError, run_batch
    from vertcode.run.pool import default_jobs
    from vertcode.run.progress import progress

    own = [out, out.with_name(out.name + ".part")]
    sources = list(find_notes(folder, exclude=own))
    if not sources:
        _fail(f"{folder}: nothing to code: no note files (.txt, .docx, .pdf ...) in it")
    try:
        with progress(len(sources)) as advance:
            summary = run_batch(
                sources, out, _coder, jobs=jobs or default_jobs(), resume=True, on_result=lambda coded: advance()
            )
    except BatchError as exc:
        _fail(str(exc))
    typer.echo(
        f"{summary.notes} notes ({summary.kept} unchanged since the last run) -> {printable(str(out))}", err=True
    )
    return out


@review_app.command("export")
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv, fhir, hl7 or gold.")],
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: standard output); for gold, a folder.")
    ] = None,
) -> None:
    """Export the accepted, edited and added lines of the done notes (gold: a test set for `vertcode eval`)."""
    engine = _open(db, Path.cwd(), must_exist=True)
    from vertcode.workbench import exports

    done = exports.done_notes(engine)
    if format is ExportFormat.gold:
        if out is None:
            _fail("--format gold writes a folder (gold.jsonl and notes/): name it with --out")
            return
        try:
            written = exports.write_gold(done, out)
        except OSError as exc:
            _fail(f"{out}: cannot write ({exc.strerror or exc})")
        typer.echo(
            f"{written} notes -> {printable(str(out / 'gold.jsonl'))}; score with: vertcode eval {out}", err=True
        )
        raise typer.Exit(0)
    writer = {"csv": exports.write_csv, "fhir": exports.write_fhir, "hl7": exports.write_hl7}[format.value]
    if out is None:
        writer(done, sys.stdout)
    else:
        try:
            with out.open("w", encoding="utf-8", newline="") as stream:
                writer(done, stream)
        except OSError as exc:
            _fail(f"{out}: cannot write ({exc.strerror or exc})")
    typer.echo(f"{len(done)} done notes exported", err=True)


@review_app.command("stats")
def show_stats(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Acceptance per code and per flag, edits, rejections and their reasons, auto notes coders changed."""
    engine = _open(db, Path.cwd(), must_exist=True)
    from vertcode.workbench import stats

    computed = stats.compute(engine)
    typer.echo(json.dumps(computed.to_dict(), indent=2) if as_json else stats.format_stats(computed))
