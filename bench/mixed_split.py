"""Where the mixed backlog's time goes, by kind of note, with no process around the coding.

    .venv/bin/python bench/mixed_split.py [--notes 2000]

Codes each note of bench/mixed.py's backlog in one process (`Coder.code_text`: no start-up, no
reading or writing) and tokenizes it with stock `spacy.blank("en")`, note by note, and prints the
seconds of each and their ratio for ours, the corpus's negatives and the other procedures. Set
beside `make bench`'s mixed figure, it separates what coding costs from what the batch process
around it costs (imports, pipeline build, files).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mixed import make_mixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=2000)
    args = parser.parse_args()
    import spacy

    from vertcode.run.coder import Coder

    with tempfile.TemporaryDirectory() as tmp:
        texts = make_mixed(Path(tmp), args.notes)
    # make_mixed's order: a fifth ours, a tenth negatives, then the other procedures.
    ours, negatives = args.notes // 5, args.notes // 10
    kinds = ["ours"] * ours + ["corpus negatives"] * negatives + ["other procedures"] * (len(texts) - ours - negatives)
    coder, stock = Coder(), spacy.blank("en")
    for text in texts[:300]:  # warm up both: lexemes and caches are made on first sight
        coder.code_text(text)
        stock(text)
    coding: dict[str, float] = {}
    tokenizing: dict[str, float] = {}
    for text, kind in zip(texts, kinds, strict=True):
        start = time.perf_counter()
        stock(text)
        tokenizing[kind] = tokenizing.get(kind, 0.0) + time.perf_counter() - start
        start = time.perf_counter()
        coder.code_text(text)
        coding[kind] = coding.get(kind, 0.0) + time.perf_counter() - start
    print(f"{'notes':<24}{'count':>6}{'vertcode s':>12}{'stock tok s':>13}{'ratio':>7}")
    for kind in dict.fromkeys(kinds):
        ratio = tokenizing[kind] / coding[kind]
        print(f"{kind:<24}{kinds.count(kind):>6}{coding[kind]:>12.2f}{tokenizing[kind]:>13.2f}{ratio:>7.2f}")
    total, tokens = sum(coding.values()), sum(tokenizing.values())
    print(f"{'all':<24}{len(texts):>6}{total:>12.2f}{tokens:>13.2f}{tokens / total:>7.2f}")


if __name__ == "__main__":
    main()
