"""The command line: thin typer commands over vertcode's plain functions.

Exit codes: 0 every note coded; 1 one or more notes could not be read or coded (each is
reported, the others are still coded); 2 usage error (bad option, missing folder, an output
another batch is writing), nothing coded; 3 the output could not be written (a full disk): what
was written is kept, and `batch --resume` continues it.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from vertcode.read.text import DEFAULT_MAX_BYTES, NoteSource
from vertcode.write.table import printable as _printable

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Suggest CPT codes, with cited evidence, for vertebroplasty, kyphoplasty and sacroplasty operative notes.",
)

EXIT_OK, EXIT_NOTE_FAILED, EXIT_USAGE, EXIT_OUTPUT = 0, 1, 2, 3


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    fhir = "fhir"
    mdace = "mdace"


PatternsOption = Annotated[
    Path | None, typer.Option("--patterns", help="Folder of pattern files to use instead of the bundled ones.")
]
MaxBytesOption = Annotated[
    int, typer.Option("--max-bytes", min=1, help="Notes larger than this are reported, not coded.")
]
TextColumnOption = Annotated[str, typer.Option("--text-column", help="A table's column of note text.")]
IdColumnOption = Annotated[str, typer.Option("--id-column", help="A table's column of note ids.")]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", help="Put internal errors' own messages, which may quote the note, in the results.")
]


def _print_version(value: bool) -> None:
    if value:
        from vertcode.version import __version__

        typer.echo(f"vertcode {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print vertcode's version and exit."),
    ] = False,
) -> None:
    """Suggest CPT codes, with cited evidence, for vertebroplasty, kyphoplasty and sacroplasty operative notes."""


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    typer.echo(f"vertcode: {_printable(message)}", err=True)
    raise typer.Exit(code)


def _check_output(out: Path) -> None:
    """Fail before coding anything when OUT cannot be written: a folder, or a folder that is
    missing and cannot be made, or one without write permission."""
    if out.is_dir():
        _fail(f"{out}: is a folder; --out names the JSON lines file to write")
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"{parent}: cannot create the folder for --out ({exc.strerror or exc})")
    if not os.access(parent, os.W_OK):
        _fail(f"{parent}: no permission to write --out there")


def _coder(patterns: Path | None, max_bytes: int = DEFAULT_MAX_BYTES, verbose: bool = False):
    from vertcode.patterns import PatternError
    from vertcode.run.coder import Coder

    try:
        return Coder(patterns, max_bytes=max_bytes, verbose=verbose)
    except PatternError as exc:
        _fail(f"invalid patterns: {exc}")


@app.command()
def code(
    notes: Annotated[list[str], typer.Argument(help="Note files to code; '-' reads standard input.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    patterns: PatternsOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    verbose: VerboseOption = False,
) -> None:
    """Code one or more notes and print the codes, units, evidence and flags."""
    from vertcode.write import fhir, records, table

    sources = [NoteSource("-", None) if n == "-" else NoteSource(n, Path(n)) for n in notes]
    coder = _coder(patterns, max_bytes, verbose)
    results = list(coder.code_sources(sources))
    writer = {
        Format.table: table.write_table,
        Format.json: records.write_json,
        Format.jsonl: records.write_jsonl,
        Format.csv: records.write_csv,
        Format.fhir: fhir.write_fhir,
        Format.mdace: records.write_mdace,
    }[format]
    writer(results, sys.stdout)
    failed = [r for r in results if r.errors]
    for result in failed:
        typer.echo(f"vertcode: {_printable(result.note)}: {'; '.join(result.errors)}", err=True)
    raise typer.Exit(EXIT_NOTE_FAILED if failed else EXIT_OK)


@app.command()
def batch(
    source: Annotated[
        Path,
        typer.Argument(help="Folder of notes (searched recursively), or a CSV, JSON lines or Parquet table of notes."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="JSON lines file to write, one line per note.")],
    pattern: Annotated[
        str | None,
        typer.Option("--glob", help="Which files of a folder are notes (default: every format vertcode reads)."),
    ] = None,
    text_column: TextColumnOption = "text",
    id_column: IdColumnOption = "id",
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Processes to code with; 0 uses every processor.")
    ] = 0,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted batch: keep the notes already coded in OUT.part.")
    ] = False,
    html_dir: Annotated[
        Path | None,
        typer.Option("--html-dir", help="Also write a review page per note there, and index.html listing them."),
    ] = None,
    patterns: PatternsOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    verbose: VerboseOption = False,
) -> None:
    """Code every note of a folder or a table into a JSON lines file, with progress and a summary.

    A table's results carry each row's id (--id-column) beside the codes.

    Lines are written to OUT.part as notes are coded, and OUT.part is renamed to OUT when the
    batch is done, so OUT is never half-written; after an interruption, --resume continues from
    OUT.part. Lines are in file-name order and are the same whatever --jobs is.
    """
    from vertcode.read.files import find_notes
    from vertcode.read.tables import TABLE_SUFFIXES, TableError, read_table
    from vertcode.run.batch import BatchError, OutputBusy, default_jobs, run_batch

    _check_output(out)
    try:
        if source.is_dir():
            own = [out, out.with_name(out.name + ".part"), *([html_dir] if html_dir else [])]
            sources = list(find_notes(source, pattern, exclude=own))
        elif source.suffix.lower() in TABLE_SUFFIXES and source.is_file():
            sources = list(read_table(source, id_column=id_column, text_column=text_column))
        else:
            _fail(f"{source}: not a folder, nor a {'/'.join(TABLE_SUFFIXES)} table of notes")
    except TableError as exc:
        _fail(str(exc))
    try:
        with _progress(len(sources)) as advance:
            summary = run_batch(
                sources,
                out,
                lambda: _coder(patterns, max_bytes, verbose),
                jobs=jobs or default_jobs(),
                resume=resume,
                page_dir=html_dir,
                on_result=lambda coded: advance(),
            )
    except OutputBusy as exc:
        _fail(str(exc))
    except BatchError as exc:
        _fail(str(exc), EXIT_OUTPUT)
    for note, reason in summary.failed:
        typer.echo(f"vertcode: {_printable(note)}: {reason}", err=True)
    for notice in summary.notices:
        typer.echo(f"vertcode: {_printable(notice)}", err=True)
    kept = f" ({summary.kept} kept from the earlier run)" if resume else ""
    typer.echo(
        f"{summary.notes} notes{kept}, {summary.codes} code lines, {summary.flags} flags, {summary.errors} errors"
        f" -> {_printable(str(out))}",
        err=True,
    )
    raise typer.Exit(EXIT_NOTE_FAILED if summary.errors else EXIT_OK)


@contextmanager
def _progress(total: int):
    """A progress bar on an interactive terminal; silence when stderr is a file or a pipe."""
    if not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("coding notes", total=total)
        yield lambda: bar.advance(task)


@app.command()
def explain(
    note: Annotated[Path, typer.Argument(help="The note to review.")],
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Page to write (default: the note's name with .html, here).")
    ] = None,
    patterns: PatternsOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    verbose: VerboseOption = False,
) -> None:
    """Write a review page: the note with its evidence highlighted beside the suggested codes.

    A file holding several documents (HL7 messages, a FHIR Bundle) gets a page for each.
    """
    from vertcode.write.pages import render_note

    coded = _coder(patterns, max_bytes, verbose).read_and_code(NoteSource(str(note), note))
    if coded[0][0] is None:
        _fail(f"{note}: {coded[0][1].errors[0]}", EXIT_NOTE_FAILED)
    base = html_out or Path(note.stem + ".html")
    for i, (document, result) in enumerate(coded):
        target = base if len(coded) == 1 else base.with_name(f"{base.stem}-{i + 1}{base.suffix}")
        target.write_text(render_note(result, document.text), encoding="utf-8")
        typer.echo(str(target))
    raise typer.Exit(EXIT_NOTE_FAILED if any(result.errors for _, result in coded) else EXIT_OK)


@app.command()
def spark(
    notes: Annotated[Path, typer.Argument(help="Parquet table (file or folder) of notes.")],
    output: Annotated[Path, typer.Argument(help="Folder to write codes/ and flags/ to, as Parquet.")],
    master: Annotated[str, typer.Option("--master", help="Spark master.")] = "local[*]",
    text_column: TextColumnOption = "text",
    id_column: IdColumnOption = "id",
    patterns: PatternsOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
) -> None:
    """Code a Parquet table of notes on Spark: OUTPUT/codes and OUTPUT/flags, as Parquet."""
    try:
        from vertcode.run import spark as on_spark
    except ImportError as exc:
        _fail(str(exc))
    from pyspark.errors import AnalysisException

    session = on_spark.session(master)
    try:
        try:
            frame = session.read.parquet(str(notes))
        except AnalysisException as exc:
            _fail(f"{notes}: cannot read as Parquet ({exc.getMessage().splitlines()[0]})")
        missing = [c for c in (id_column, text_column) if c not in frame.columns]
        if missing:
            _fail(f"{notes}: no column {', '.join(map(repr, missing))} (columns: {', '.join(frame.columns)})")
        results = on_spark.note_results(
            frame, id_column=id_column, text_column=text_column, patterns_dir=patterns, max_bytes=max_bytes
        ).persist()
        on_spark.explode_codes(results, id_column).write.mode("overwrite").parquet(str(output / "codes"))
        on_spark.explode_flags(results, id_column).write.mode("overwrite").parquet(str(output / "flags"))
        count = results.count()
    finally:
        session.stop()
    typer.echo(f"{count} notes -> {output / 'codes'}, {output / 'flags'}", err=True)
    raise typer.Exit(EXIT_OK)


@app.command("eval")
def evaluate(
    corpus: Annotated[Path, typer.Argument(help="Folder holding gold.jsonl and notes/.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    patterns: PatternsOption = None,
) -> None:
    """Score vertcode against a corpus: exact match, per-code and per-flag precision and recall."""
    import json

    from vertcode.run.evaluate import GoldError, format_report, load_gold, score, sources

    try:
        gold = load_gold(corpus)
    except GoldError as exc:
        _fail(str(exc))
    coder = _coder(patterns)
    report = score(gold, coder.code_sources(sources(corpus, gold)))
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else format_report(report))
    raise typer.Exit(EXIT_OK)


def main() -> None:
    app()
