"""Coding notes on Apache Spark: a DataFrame of notes in, DataFrames of code lines and flags out.

    from vertcode.run.spark import code_lines, flag_lines
    codes = code_lines(notes, id_column="note_id", text_column="note_text")

Each Python worker builds the pipeline once and keeps it for every partition it is given
(`mapInPandas`), so the cost of building it is paid per executor process, not per note.
pyspark, pandas and pyarrow are the `spark` extra: `pip install 'vertcode[spark]'`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

from vertcode.model import NoteResult
from vertcode.read.text import DEFAULT_MAX_BYTES, NoteSource
from vertcode.run.coder import Coder

try:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql import types as T
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("vertcode.run.spark needs pyspark: pip install 'vertcode[spark]'") from exc

_EVIDENCE = T.ArrayType(
    T.StructType(
        [
            T.StructField("start", T.IntegerType()),
            T.StructField("end", T.IntegerType()),
            T.StructField("text", T.StringType()),
            T.StructField("label", T.StringType()),
        ]
    )
)

_CODERS: dict[tuple, Coder] = {}


def _coder(patterns_dir: str | None, max_bytes: int) -> Coder:
    """One pipeline per Python worker process, reused for every partition it codes."""
    key = (patterns_dir, max_bytes)
    if key not in _CODERS:
        _CODERS[key] = Coder(patterns_dir, max_bytes=max_bytes)
    return _CODERS[key]


def _results(batches, id_column: str, text_column: str, patterns_dir, max_bytes) -> Iterator[tuple]:
    coder = _coder(patterns_dir, max_bytes)
    for batch in batches:
        for row, (note_id, text) in enumerate(zip(batch[id_column], batch[text_column], strict=True)):
            note_id = note_id.item() if hasattr(note_id, "item") else note_id
            source = NoteSource(str(note_id), text=text if isinstance(text, str) else None, row=row, id=note_id)
            # A table cell is one note: its text is read as text, whatever it looks like.
            ((_, result),) = coder.read_and_code(source)
            yield note_id, result


_CODE = T.StructType(
    [
        T.StructField("code", T.StringType()),
        T.StructField("units", T.IntegerType()),
        T.StructField("levels", T.ArrayType(T.StringType())),
        T.StructField("modifiers", T.ArrayType(T.StringType())),
        T.StructField("review", T.BooleanType()),
        T.StructField("review_reasons", T.ArrayType(T.StringType())),
        T.StructField("description", T.StringType()),
        T.StructField("rationale", T.StringType()),
        T.StructField("evidence", _EVIDENCE),
    ]
)
_FLAG = T.StructType(
    [
        T.StructField("kind", T.StringType()),
        T.StructField("message", T.StringType()),
        T.StructField("evidence", _EVIDENCE),
    ]
)


def _row(result: NoteResult, note_id) -> dict:
    data = result.to_dict()
    return {
        "id": note_id,
        "disposition": data["disposition"],
        "codes": data["codes"],
        "flags": data["flags"],
        "errors": data["errors"],
    }


def note_results(
    df: DataFrame,
    *,
    id_column: str = "id",
    text_column: str = "text",
    patterns_dir: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DataFrame:
    """One row per note: its id (type kept), its disposition, code lines, flags and errors."""
    schema = T.StructType(
        [
            T.StructField(id_column, df.schema[id_column].dataType),
            T.StructField("codes", T.ArrayType(_CODE)),
            T.StructField("flags", T.ArrayType(_FLAG)),
            T.StructField("errors", T.ArrayType(T.StringType())),
            T.StructField("disposition", T.StringType()),
        ]
    )
    patterns = str(patterns_dir) if patterns_dir else None

    def code(batches):
        import pandas

        rows = [
            _row(result, note_id) for note_id, result in _results(batches, id_column, text_column, patterns, max_bytes)
        ]
        yield pandas.DataFrame(rows, columns=["id", "codes", "flags", "errors", "disposition"]).rename(
            columns={"id": id_column}
        )

    return df.select(id_column, text_column).mapInPandas(code, schema)


def code_lines(
    df: DataFrame,
    *,
    id_column: str = "id",
    text_column: str = "text",
    patterns_dir: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DataFrame:
    """One row per code line: the note's id, code, units, levels, modifiers, review, description,
    rationale and evidence (an array of start/end/text/label structs)."""
    return explode_codes(
        note_results(df, id_column=id_column, text_column=text_column, patterns_dir=patterns_dir, max_bytes=max_bytes),
        id_column,
    )


def flag_lines(
    df: DataFrame,
    *,
    id_column: str = "id",
    text_column: str = "text",
    patterns_dir: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DataFrame:
    """One row per flag: the note's id, kind, message and evidence; a note that could not be
    coded (no text, too large) gives a row of kind "error" with the reason, so none goes missing."""
    return explode_flags(
        note_results(df, id_column=id_column, text_column=text_column, patterns_dir=patterns_dir, max_bytes=max_bytes),
        id_column,
    )


def explode_codes(results: DataFrame, id_column: str = "id") -> DataFrame:
    from pyspark.sql import functions as F

    return results.select(id_column, F.explode("codes").alias("line")).select(id_column, "line.*")


def explode_flags(results: DataFrame, id_column: str = "id") -> DataFrame:
    from pyspark.sql import functions as F

    flags = results.select(id_column, F.explode("flags").alias("flag")).select(id_column, "flag.*")
    errors = results.select(
        id_column,
        F.lit("error").alias("kind"),
        F.explode("errors").alias("message"),
        F.array().cast(_EVIDENCE).alias("evidence"),
    )
    return flags.unionByName(errors)


def session(master: str = "local[*]", app_name: str = "vertcode") -> SparkSession:
    """A Spark session whose Python workers run this interpreter (and so see vertcode)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.log.level", "ERROR")
        .getOrCreate()
    )
