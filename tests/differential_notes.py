"""The notes of the differential test (tests/test_differential.py): the corpus and perturbations
of it, generated from a fixed seed so the same notes come back on every machine and run.

Each perturbation stresses what a speed change could break without the corpus noticing: line
breaks (rewrapped, CRLF), notes joined or cut mid-word, Unicode whose case folding changes length
or maps to ASCII (İ ı ſ K), no-break spaces, brackets that could define abbreviations, and case.
Notes of other procedures follow, which most of the pipeline skips.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from mixed import other_procedures  # noqa: E402

NOTES = ROOT / "corpus" / "notes"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "differential.jsonl.gz"
SEED = 14
#: Perturbed notes besides the corpus: about 30 s with the corpus on this 2-core machine.
PERTURBED = 5000
#: Notes of other procedures (bench/mixed.py), where the relevance gate skips most of the pipeline.
OTHERS = 600
#: Perturbed notes are cut to this many characters at most, to keep the test's time modest.
MAX_CHARS = 4000

LOOKALIKES = {"I": "İ", "i": "ı", "s": "ſ", "K": "\u212a", " ": "\xa0", "k": "\u212a"}


#: The corpus notes the perturbations are made from, as recorded: the corpus grows with every blind
#: batch (test_corpus.py holds those), and these notes must stay the same for the fixture to mean anything.
SOURCES = Path(__file__).resolve().parent / "fixtures" / "differential-notes.txt"


def corpus() -> list[tuple[str, str]]:
    names = SOURCES.read_text(encoding="utf-8").split()
    return [(name, (NOTES / name).read_bytes().decode("utf-8-sig", errors="replace")) for name in names]


def _rewrap(rng: random.Random, text: str, _: list[str]) -> str:
    width = rng.randrange(30, 110)
    out, line = [], ""
    for word in text.split(" "):
        if len(line) + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*out, line])


def _splice(rng: random.Random, text: str, others: list[str]) -> str:
    other = rng.choice(others)
    return (
        text[: rng.randrange(len(text) + 1)] + rng.choice(["", "\n", "\n\n", " "]) + other[rng.randrange(len(other)) :]
    )


def _lookalikes(rng: random.Random, text: str, _: list[str]) -> str:
    rate = rng.choice([0.02, 0.1, 0.5])
    return "".join(LOOKALIKES[c] if c in LOOKALIKES and rng.random() < rate else c for c in text)


def _crlf(rng: random.Random, text: str, _: list[str]) -> str:
    return text.replace("\n", rng.choice(["\r\n", "\r", "\n\r\n"]))


def _brackets(rng: random.Random, text: str, _: list[str]) -> str:
    words = text.split(" ")
    for _ in range(rng.randrange(1, 12)):
        i = rng.randrange(len(words))
        short = "".join(w[:1].upper() for w in words[max(0, i - 3) : i + 1] if w[:1].isalpha())
        words[i] += rng.choice([f" ({short})", f"({short})", " (", ")", " [", f" ({short.lower()})", " (PVA)"])
    return " ".join(words)


def _case(rng: random.Random, text: str, _: list[str]) -> str:
    lines = text.split("\n")
    change = rng.choice([str.upper, str.lower, str.swapcase, str.title])
    for _ in range(rng.randrange(1, len(lines) + 1)):
        i = rng.randrange(len(lines))
        lines[i] = change(lines[i])
    return "\n".join(lines)


def _cut(rng: random.Random, text: str, _: list[str]) -> str:
    a, b = sorted(rng.randrange(len(text) + 1) for _ in range(2))
    return rng.choice([text[:b], text[a:], text[:a] + text[b:]])


PERTURBATIONS: list[Callable[[random.Random, str, list[str]], str]] = [
    _rewrap,
    _splice,
    _lookalikes,
    _crlf,
    _brackets,
    _case,
    _cut,
]


def perturbed(count: int = PERTURBED) -> Iterator[tuple[str, str]]:
    """(name, text) of `count` notes, each a corpus note with one to three perturbations."""
    notes = corpus()
    texts = [text for _, text in notes]
    rng = random.Random(SEED)
    for index in range(count):
        name, text = notes[rng.randrange(len(notes))]
        start = rng.randrange(max(1, len(text) - MAX_CHARS + 1))
        text = text[start : start + MAX_CHARS] if len(text) > MAX_CHARS else text
        chosen = rng.sample(PERTURBATIONS, rng.randrange(1, 4))
        for perturb in chosen:
            text = perturb(rng, text, texts)[:MAX_CHARS]
        yield f"{index:05d}-{'+'.join(p.__name__[1:] for p in chosen)}-{name}", text


def notes() -> list[tuple[str, str]]:
    others = other_procedures(random.Random(SEED), OTHERS)
    return corpus() + list(perturbed()) + [(f"other-{i:03d}", text) for i, text in enumerate(others)]


def result_line(result) -> str:
    """A result as recorded: its JSON line without `producer`, which names the build."""
    record = result.to_dict()
    record.pop("producer", None)
    return json.dumps(record, ensure_ascii=False, sort_keys=True)
