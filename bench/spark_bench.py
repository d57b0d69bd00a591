"""Throughput of `vertcode spark` on local[2] beside `vertcode batch --jobs 2`, on the same notes.

    make bench-spark      # or: .venv/bin/python bench/spark_bench.py [--notes 2000]

Both commands start from nothing (a fresh process each) and include their start-up, as a user
running them would see it. Writes bench/spark-results.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import BIN, ROOT, make_notes, run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=2000)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="vertcode-spark-bench-") as tmp:
        tmp = Path(tmp)
        texts = make_notes(tmp / "notes", args.notes)
        pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), tmp / "notes.parquet")
        batch_s, _ = run(
            [str(BIN / "vertcode"), "batch", str(tmp / "notes"), "--out", str(tmp / "b.jsonl"), "--jobs", "2"]
        )
        spark_s, _ = run(
            [str(BIN / "vertcode"), "spark", str(tmp / "notes.parquet"), str(tmp / "out"), "--master", "local[2]"]
        )
    figures = {
        "notes": args.notes,
        "batch_jobs2_notes_per_s": round(args.notes / batch_s, 1),
        "spark_local2_notes_per_s": round(args.notes / spark_s, 1),
        "batch_jobs2_seconds": round(batch_s, 1),
        "spark_local2_seconds": round(spark_s, 1),
    }
    (ROOT / "bench" / "spark-results.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(
        f"{args.notes} notes: vertcode batch --jobs 2 {figures['batch_jobs2_notes_per_s']} notes/s "
        f"({batch_s:.1f} s); vertcode spark local[2] {figures['spark_local2_notes_per_s']} notes/s "
        f"({spark_s:.1f} s)"
    )


if __name__ == "__main__":
    main()
