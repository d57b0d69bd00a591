"""The command line's shared options: formats, and the options several commands take."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    fhir = "fhir"
    mdace = "mdace"


class BatchFormat(str, Enum):
    """The formats a batch writes: one whole file each, readable while the batch streams."""

    jsonl = "jsonl"
    csv = "csv"
    fhir = "fhir"


PatternsOption = Annotated[
    Path | None, typer.Option("--patterns", help="Folder of pattern files to use instead of the bundled ones.")
]
MaxBytesOption = Annotated[
    int,
    typer.Option(
        "--max-bytes",
        min=1,
        help="Notes larger than this, as bytes read or as text extracted (docx, PDF, HL7), are reported, not coded.",
    ),
]
TextColumnOption = Annotated[str, typer.Option("--text-column", help="A table's column of note text.")]
IdColumnOption = Annotated[str, typer.Option("--id-column", help="A table's column of note ids.")]
DosOption = Annotated[
    str | None,
    typer.Option(
        "--dos",
        help="Date of service (YYYY-MM-DD) for every note, over the one a note states: picks the tables' versions.",
    ),
]
PayerOption = Annotated[
    str | None, typer.Option("--payer", help="The payer, for prior authorization: 'medicare' is traditional Medicare.")
]
StateOption = Annotated[
    str | None, typer.Option("--state", help="Two-letter state where the service is furnished (TX).")
]
SettingOption = Annotated[
    str | None, typer.Option("--setting", help="outpatient (assumed), office, asc, inpatient or emergency.")
]
ChargesOption = Annotated[
    Path | None,
    typer.Option(
        "--charges",
        help="Charge lines built elsewhere (CSV note,code,units,modifiers,levels or JSON Lines), checked instead.",
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout-per-note",
        min=0,
        help="Seconds a note may take to code; a note over it is reported and the others are coded. 0: no limit.",
    ),
]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        help="Name each file skipped, and put internal errors' own messages (which may quote a note) in results.",
    ),
]
