"""Notes per second of this checkout against an earlier commit, on the same notes.

    .venv/bin/python bench/compare.py REV [--notes 1500]

`make bench` builds its notes from the corpus, which grows, so its figures from two commits are
not over the same texts. This builds one set of notes from the current corpus, checks REV out in
a temporary git worktree, and codes the notes in one process with each tree's vertcode (same
Python, same packages; the best of two passes after a warm-up), printing both rates and the ratio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import ROOT, make_notes

TIMER = """
import json, sys, time
import vertcode
assert vertcode.__file__.startswith(sys.argv[1]), vertcode.__file__
try:
    from vertcode.run.coder import Coder
    from vertcode.write.records import to_json_line
except ImportError:  # a tree from before the stages were packages
    from vertcode.coding import Coder
    from vertcode.output import to_json_line
texts = json.load(open(sys.argv[2]))
coder = Coder()
for text in texts[:200]:
    coder.code_text(text)
best = float("inf")
for _ in range(2):
    start = time.perf_counter()
    for text in texts:
        to_json_line(coder.code_text(text))
    best = min(best, time.perf_counter() - start)
print(len(texts) / best)
"""


def rate(tree: Path, notes: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", TIMER, str(tree), str(notes)], cwd=tree, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev")
    parser.add_argument("--notes", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vertcode-compare-") as tmp:
        tmp = Path(tmp)
        notes = tmp / "notes.json"
        notes.write_text(json.dumps(make_notes(tmp / "notes", args.notes)))
        old = tmp / "old"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), args.rev], cwd=ROOT, check=True)
        try:
            before, after = rate(old, notes), rate(ROOT, notes)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=True)
    print(
        f"{args.notes} notes, one process: {args.rev} {before:.0f} notes/s, this checkout {after:.0f} "
        f"notes/s ({after / before:.2f}x)"
    )


if __name__ == "__main__":
    main()
