"""The command line: thin typer commands over vertcode's plain functions.

Exit codes: 0 every note coded; 1 one or more notes could not be read or coded (each is
reported, the others are still coded); 2 usage error (bad option, missing folder, an output
another batch is writing), nothing coded; 3 the output could not be written (a full disk): what
was written is kept, and `batch --resume` continues it; 130 interrupted (Ctrl-C), likewise.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from vertcode.cli.options import (
    BatchFormat,
    ChargesOption,
    DosOption,
    Format,
    IdColumnOption,
    MaxBytesOption,
    PatternsOption,
    PayerOption,
    SettingOption,
    StateOption,
    TextColumnOption,
    TimeoutOption,
    VerboseOption,
)
from vertcode.read.text import DEFAULT_MAX_BYTES, NoteSource
from vertcode.run.progress import progress
from vertcode.run.timing import DEFAULT_TIMEOUT
from vertcode.workbench.cli import review_app
from vertcode.write.table import printable as _printable

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Suggest CPT codes, with cited evidence, for vertebroplasty, kyphoplasty and sacroplasty operative notes.",
)

EXIT_OK, EXIT_NOTE_FAILED, EXIT_USAGE, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
app.add_typer(review_app, name="review")  # the coders' workbench (vertcode/workbench/cli.py)


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


def _check_output(out: Path, option: str = "--out") -> None:
    """Fail before coding anything when a file to write cannot be: a folder, or in a folder that
    is missing and cannot be made, or one without write permission."""
    if out.is_dir():
        _fail(f"{out}: is a folder; {option} names the file to write")
    _check_folder(out.parent, option)


def _check_folder(folder: Path, option: str) -> None:
    if folder.exists() and not folder.is_dir():
        _fail(f"{folder}: is a file; {option} needs a folder there")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"{folder}: cannot create the folder for {option} ({exc.strerror or exc})")
    if not os.access(folder, os.W_OK):
        _fail(f"{folder}: no permission to write {option} there")


def _coder(
    patterns: Path | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    verbose: bool = False,
    timeout: float | None = None,
    claims=None,
):
    from vertcode.claims.validation import ClaimTableError
    from vertcode.patterns import PatternError
    from vertcode.run.coder import Coder

    try:
        return Coder(patterns, max_bytes=max_bytes, verbose=verbose, timeout=timeout or None, claims=claims)
    except (PatternError, ClaimTableError) as exc:
        _fail(f"invalid patterns: {exc}")


def _claim_options(dos: str | None, payer: str | None, state: str | None, setting: str | None, charges: Path | None):
    """The claim options as given, checked before any note is coded."""
    from vertcode.claims.charges import ChargesError, read_charges
    from vertcode.claims.claim import ClaimOptions, claim_value_problem

    for option, value in (("dos", dos), ("state", state)):
        problem = None if value is None else claim_value_problem(option, value)
        if problem:
            _fail(f"--{option} {problem}")
    lines = {}
    if charges is not None:
        try:
            lines = read_charges(charges)
        except ChargesError as exc:
            _fail(str(exc))
    return ClaimOptions(dos=dos, payer=payer, state=state and state.strip().upper(), setting=setting, charges=lines)


@app.command()
def code(
    notes: Annotated[list[str], typer.Argument(help="Note files to code; '-' reads standard input.")],
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    patterns: PatternsOption = None,
    max_bytes: MaxBytesOption = DEFAULT_MAX_BYTES,
    verbose: VerboseOption = False,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    dos: DosOption = None,
    payer: PayerOption = None,
    state: StateOption = None,
    setting: SettingOption = None,
    charges: ChargesOption = None,
) -> None:
    """Code one or more notes and print the codes, units, evidence, flags and the claim."""
    from vertcode.write import fhir, records, table

    sources = [NoteSource("-", None) if n == "-" else NoteSource(n, Path(n)) for n in notes]
    coder = _coder(patterns, max_bytes, verbose, timeout, _claim_options(dos, payer, state, setting, charges))
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
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: JSON lines, one line per note, by default.")],
    format: Annotated[
        BatchFormat,
        typer.Option(
            "--format", "-f", help="jsonl (a result a line), csv (code, flag and error rows), fhir (a Bundle)."
        ),
    ] = BatchFormat.jsonl,
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
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    dos: DosOption = None,
    payer: PayerOption = None,
    state: StateOption = None,
    setting: SettingOption = None,
    charges: ChargesOption = None,
) -> None:
    """Code every note of a folder or a table into a JSON lines, CSV or FHIR file, with progress and a summary.

    A table's results carry each row's id (--id-column) beside the codes.

    Results are written to OUT.part, as JSON lines, as notes are coded, and OUT is made from it
    when the batch is done, so OUT is never half-written; after an interruption, --resume
    continues from OUT.part. Results are in file-name order and the same whatever --jobs is.
    """
    from vertcode.read.files import find_notes
    from vertcode.read.tables import TABLE_SUFFIXES, TableError, read_table
    from vertcode.run.batch import BatchError, Interrupted, OutputBusy, run_batch
    from vertcode.run.pool import default_jobs
    from vertcode.write import fhir, records

    _check_output(out)
    claims = _claim_options(dos, payer, state, setting, charges)
    if html_dir is not None:
        _check_folder(html_dir, "--html-dir")
    skipped: list[tuple[Path, str]] = []
    try:
        if source.is_dir():
            own = [out, out.with_name(out.name + ".part"), *([html_dir] if html_dir else [])]
            sources = list(find_notes(source, pattern, exclude=own, on_skip=lambda *skip: skipped.append(skip)))
        elif source.suffix.lower() in TABLE_SUFFIXES and source.is_file():
            sources = list(read_table(source, id_column=id_column, text_column=text_column))
        else:
            _fail(f"{source}: not a folder, nor a {'/'.join(TABLE_SUFFIXES)} table of notes")
    except TableError as exc:
        _fail(str(exc))
    _report_skipped(skipped, verbose)
    if not sources:
        what = f"no file matches --glob {pattern}" if pattern else "no note files (.txt, .docx, .pdf ...) in it"
        _fail(f"{source}: nothing to code: {what}")
    try:
        with progress(len(sources)) as advance:
            summary = run_batch(
                sources,
                out,
                lambda: _coder(patterns, max_bytes, verbose, timeout, claims),
                jobs=jobs or default_jobs(),
                resume=resume,
                page_dir=html_dir,
                on_result=lambda coded: advance(),
                writer={
                    BatchFormat.jsonl: None,
                    BatchFormat.csv: records.write_csv,
                    BatchFormat.fhir: fhir.write_fhir_bundle,
                }[format],
            )
    except OutputBusy as exc:
        _fail(str(exc))
    except Interrupted as exc:
        again = shlex.join(["vertcode", *sys.argv[1:], *([] if resume else ["--resume"])])
        _fail(f"{exc}; to continue: {again}", EXIT_INTERRUPTED)
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


def _report_skipped(skipped: list[tuple[Path, str]], verbose: bool) -> None:
    if verbose:
        for path, reason in skipped:
            typer.echo(f"vertcode: {_printable(str(path))}: skipped: {reason}", err=True)
    elif skipped:
        typer.echo(f"vertcode: {len(skipped)} files skipped, not notes by name (--verbose names them)", err=True)


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

    base = html_out or Path(note.stem + ".html")
    _check_output(base, "--html")
    coded = _coder(patterns, max_bytes, verbose).read_and_code(NoteSource(str(note), note))
    if coded[0][0] is None:
        _fail(f"{note}: {coded[0][1].errors[0]}", EXIT_NOTE_FAILED)
    for i, (document, result) in enumerate(coded):
        target = base if len(coded) == 1 else base.with_name(f"{base.stem}-{i + 1}{base.suffix}")
        try:
            target.write_text(render_note(result, document.text), encoding="utf-8")
        except OSError as exc:
            _fail(f"{target}: cannot write ({exc.strerror or exc})", EXIT_OUTPUT)
        typer.echo(_printable(str(target)))
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


@app.command()
def rules(
    number: Annotated[int | None, typer.Argument(help="The rule to print (default: the list of rules).")] = None,
) -> None:
    """Print a coding rule the rationales cite ("rule 10"), from the coding rules vertcode ships."""
    from vertcode import rules as coding_rules

    numbered = coding_rules.numbered()
    if number is None:
        for n in numbered:
            typer.echo(coding_rules.headline(n))
        typer.echo(f"The whole document: {coding_rules.DOCUMENT}")
    elif number in numbered:
        typer.echo(numbered[number])
    else:
        _fail(f"There is no rule {number}: the rules are numbered 1 to {max(numbered)}.")


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
    report = score(gold, coder.code_sources(sources(corpus, gold)), corpus)
    typer.echo(json.dumps(report.to_dict(), indent=2) if as_json else format_report(report))
    raise typer.Exit(EXIT_OK)


def main() -> None:
    app()
