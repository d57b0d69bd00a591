"""Hostile inputs that once took time in the square (or cube) of their length (issue 18, item 6):
each is coded as a user would want, in time within a ratio of an ordinary note of its size.

A ratio, not an absolute time: this machine is shared, and both are timed the same way.
"""

import time

import pytest
from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.model import Evidence
from vertcode.nlp.reading.bodies import BodyNotes
from vertcode.read.text import Note, NoteSource
from vertcode.write.pages import render_note

from conftest import NOTES, codes, kinds


@pytest.fixture(scope="module")
def code():
    """A coder of this module's own: the suite's shared one may cross its string budget and build
    its pipeline afresh (half a second) in the middle of a timed run."""
    from vertcode.run.coder import Coder

    coder = Coder()
    return lambda text, name="-": coder.code_text(text, name)


SIZE = 20_000
RATIO = 5


def _plain(size: int) -> str:
    """An ordinary corpus note repeated to `size` characters, cut at a line."""
    note = (NOTES / "mtsamples-kyphoplasty-t12-l1.txt").read_text(encoding="utf-8")
    text = note * (size // len(note) + 1)
    return text[: text.rindex("\n", 0, size)]


def _seconds(work, *, repeat: int = 5) -> float:
    """The best of `repeat` runs of `work(i)`; each run is given its own `i` so that its text can
    differ: spaCy's tokenizer caches each run of text without white space it has seen."""
    best = float("inf")
    for i in range(repeat):
        start = time.perf_counter()
        work(i)
        best = min(best, time.perf_counter() - start)
    return best


def _within_ratio(code, text: str) -> None:
    hostile = _seconds(lambda i: code(f"{i}{text}"))
    plain = _seconds(lambda i: code(f"{i}{_plain(len(text))}"))
    assert hostile < RATIO * plain, f"{hostile:.3f} s against {plain:.3f} s for an ordinary note of its size"


def _read_in_part_at(result, start: int) -> None:
    (flag,) = [f for f in result.flags if f.kind == "note-read-in-part"]
    assert flag.evidence[0].start == start
    assert f"read only up to character {start:,}" in flag.message
    assert result.disposition == "review"


def test_a_run_of_punctuation_is_tokenized_in_linear_time(code):
    text = ")" * SIZE + " T7 kyphoplasty balloon"
    result = code(text)
    assert codes(result) == {"22513": 1} and kinds(result) == ["cement-not-documented"] and not result.errors
    assert [e.text for e in result.findings[0].evidence] == ["T7", "kyphoplasty", "balloon"]
    _within_ratio(code, text)


def test_a_sentence_of_thousands_of_levels_is_not_read_and_says_so(code):
    text = " ".join(f"T{i % 12 + 1} balloon" for i in range(SIZE // 10))
    result = code(text)
    assert codes(result) == {} and kinds(result) == ["note-read-in-part"]
    _read_in_part_at(result, 0)
    _within_ratio(code, text)


def test_a_thousand_lines_of_levels_are_not_read_and_say_so(code):
    text = "\n".join(f"T{i % 12 + 1} kyphoplasty balloon" for i in range(1000))
    result = code(text)
    assert codes(result) == {} and kinds(result) == ["note-read-in-part"]
    _read_in_part_at(result, 0)
    _within_ratio(code, text)


def test_a_sentence_of_thousands_of_negations_is_not_read_and_says_so(code):
    text = "no " * (SIZE // 3) + "T7 kyphoplasty balloon"
    result = code(text)
    assert codes(result) == {} and kinds(result) == ["note-read-in-part"]
    _within_ratio(code, text)


def test_a_note_past_the_cap_on_terms_keeps_what_was_read_for_review(code):
    # 1,800 sentences of three terms each: read up to the 3,000th term, its codes for review.
    sentence = "T{} kyphoplasty balloon.\n"
    text = "".join(sentence.format(i % 12 + 1) for i in range(1800))
    result = code(text)
    assert codes(result) == {"22513": 1, "22515": 11}
    assert kinds(result) == ["cement-not-documented", "note-read-in-part"]
    assert all(line.review for line in result.codes)
    _read_in_part_at(result, 1000 * len(sentence.format(1)) + sum(i % 12 + 1 >= 10 for i in range(1000)))
    _within_ratio(code, text)


def test_a_long_repeated_note_referring_to_its_level_is_coded_as_one(code):
    note = (NOTES / "seed-01.txt").read_text(encoding="utf-8")
    text = note * (3 * SIZE // len(note))
    result = code(text)
    assert codes(result) == {"22510": 1} and kinds(result) == []
    _within_ratio(code, text)


def test_a_body_mentioned_thousands_of_times_tells_its_status_in_linear_time():
    # Asked at every sentence naming "the affected vertebra": it once took the last treatment
    # again for each mention, cubic in a long note (640 KB of seed-01 repeated: 219 s).
    body = BodyNotes("T5")
    mentions = [Evidence(i * 10, i * 10 + 2, "T5", "LEVEL") for i in range(20_000)]
    recording = _seconds(lambda i: [BodyNotes("T5").mention(ev, "treated") for ev in mentions])
    for ev in mentions:
        body.mention(ev, "treated")
    assert body.status() == "treated"
    assert _seconds(lambda i: body.status()) < RATIO * recording


def test_the_review_page_of_a_note_naming_thousands_of_levels_takes_less_than_coding_it(code):
    # Here the page is measured against coding the same note, as the issue found it: explain
    # took 142 s on a note listing 10,000 levels that took 5.4 s to code.
    text = "".join(f"Kyphoplasty at T{i % 12 + 1}.\n" for i in range(SIZE // 20))
    result = code(text)
    assert codes(result) == {"22513": 1, "22515": 11}
    page = _seconds(lambda i: render_note(result, text))
    coding = _seconds(lambda i: code(f"{i}{text}"))
    assert page < coding, f"{page:.3f} s for the page against {coding:.3f} s to code the note"


def test_a_note_over_the_time_limit_is_its_error_and_the_next_is_coded(coder, monkeypatch, tmp_path):
    big, small = tmp_path / "big.txt", tmp_path / "small.txt"
    big.write_text(_plain(400_000), encoding="utf-8")
    small.write_text("Vertebroplasty at T7 with 3 mL PMMA.", encoding="utf-8")
    monkeypatch.setattr(coder, "timeout", 0.05)
    first, second = coder.code_sources([NoteSource(str(big), big), NoteSource(str(small), small)])
    assert first.errors == ["took longer than the 0.05 s limit per note (--timeout-per-note)"]
    assert first.codes == [] and first.flags == [] and first.disposition == "review"
    assert codes(second) == {"22510": 1} and not second.errors


def test_batch_reports_a_note_over_its_timeout_per_note_and_codes_the_rest(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a-big.txt").write_text(_plain(400_000), encoding="utf-8")
    (notes / "b-small.txt").write_text("Vertebroplasty at T7 with 3 mL PMMA.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = CliRunner().invoke(app, ["batch", str(notes), "--out", str(out), "-j", "1", "--timeout-per-note", "0.05"])
    assert done.exit_code == 1
    assert "a-big.txt: took longer than the 0.05 s limit per note (--timeout-per-note)" in done.output
    assert '"22510"' in out.read_text(encoding="utf-8").splitlines()[1]


def test_a_note_timing_out_among_others_read_with_it_leaves_them_coded_as_alone(coder, monkeypatch):
    # The pipeline reads a group of notes component by component: the note past its limit stops
    # the group, and the notes before and after it are coded afresh, as each would be alone.
    small = [
        Note("a.txt", "Vertebroplasty at T7 with 3 mL PMMA.", "a"),
        Note("c.txt", "Balloon kyphoplasty at L1: bone tamp inflated, 4 mL PMMA.", "c"),
    ]
    alone = [coder.code_note(note) for note in small]
    monkeypatch.setattr(coder, "timeout", 0.05)
    first, big, last = coder.code_notes([small[0], Note("b.txt", _plain(400_000), "b"), small[1]])
    assert big.errors == ["took longer than the 0.05 s limit per note (--timeout-per-note)"]
    assert [r.to_dict() for r in (first, last)] == [r.to_dict() for r in alone]
    assert codes(first) == {"22510": 1} and codes(last) == {"22514": 1}
