"""Rules-as-data: malformed pattern files fail on load with the file, the line and the reason."""

import shutil

import pytest

from vertcode.patterns import PatternError, load

from conftest import ROOT


@pytest.fixture
def patterns(tmp_path):
    target = tmp_path / "patterns"
    shutil.copytree(ROOT / "patterns", target)
    return target


def test_bundled_patterns_load():
    loaded = load()
    assert {row["label"] for row in loaded.terms} >= {"TECHNIQUE", "DEVICE", "CEMENT", "ACCESS"}
    assert loaded.descriptions["22513"].startswith("Percutaneous vertebral augmentation")


@pytest.mark.parametrize(
    "file, line, message",
    [
        ("terms.jsonl", '{"label": "DEVICE", "id": "x"}', 'give exactly one of "phrase" or "regex"'),
        (
            "terms.jsonl",
            '{"label": "DEVICE", "id": "x", "regex": "cannula(s"}',
            "invalid regex (missing ), unterminated",
        ),
        (
            "terms.jsonl",
            '{"label": "DEVICE", "id": "x", "regex": "x", "fuzzy": true}',
            '"fuzzy" and "case" apply to a "phrase"',
        ),
        ("terms.jsonl", '{"label": "TECHNIQUE", "id": "kypho", "phrase": "kypho"}', "a TECHNIQUE id must be one of"),
        ("terms.jsonl", '{"label": "DEVICE", "id": "x", "phrase": "x", "colour": 1}', "unknown key(s) ['colour']"),
        ("terms.jsonl", "{not json", "invalid JSON"),
        ("levels.jsonl", '{"label": "LEVEL", "id": "level", "regex": ["T12"]}', '"regex" must be a non-empty string'),
        ("levels.jsonl", '{"label": "LEVEL", "id": "level", "regex": "T?"}', "the regex matches an empty string"),
        (
            "levels.jsonl",
            '{"label": "LEVEL", "id": "level", "pattern": [{"ORTH": "T12"}]}',
            "unknown key(s) ['pattern']",
        ),
    ],
)
def test_bad_line_names_file_and_line(patterns, file, line, message):
    path = patterns / file
    count = len(path.read_text().splitlines())
    with path.open("a") as f:
        f.write(line + "\n")
    with pytest.raises(PatternError) as info:
        load(patterns)
    assert f"{file}:{count + 1}:" in str(info.value)
    assert message in str(info.value)


def test_bad_context_rule_is_named(patterns):
    path = patterns / "context.json"
    path.write_text('{"context_rules": [{"literal": "prior", "category": "PAST", "direction": "FORWARD"}]}')
    with pytest.raises(PatternError, match=r"context_rules\[0\] \('prior'\): unknown category 'PAST'"):
        load(patterns)


def test_two_context_rules_on_the_same_words_are_refused(patterns):
    # ConText keeps one modifier per matched span: the second rule would silently never apply.
    path = patterns / "context.json"
    path.write_text(
        '{"context_rules": ['
        '{"literal": "abandoned", "category": "ABORTED", "direction": "FORWARD"},'
        '{"literal": "Abandoned", "category": "ABORTED", "direction": "BACKWARD"}]}'
    )
    with pytest.raises(PatternError, match=r"context_rules\[1\] \('Abandoned'\): the same words as context_rules\[0\]"):
        load(patterns)


def test_bad_section_scope_is_named(patterns):
    path = patterns / "sections.json"
    path.write_text('{"sections": [{"literal": "ebl:", "category": "other", "role": "excluded", "scope": "word"}]}')
    with pytest.raises(
        PatternError, match=r"sections\[0\] \('ebl:'\): scope is \"section\", \"paragraph\" or \"line\""
    ):
        load(patterns)


def test_missing_file_is_named(patterns):
    (patterns / "sections.json").unlink()
    with pytest.raises(PatternError, match="sections.json: cannot read patterns file"):
        load(patterns)


def test_a_new_synonym_is_a_data_change(patterns, tmp_path):
    from vertcode.run.coder import Coder

    text = "Vertebral augmentation at L2 with a Zorblatt cavity device, then cement."
    before = Coder(patterns).code_text(text)
    assert [f.kind for f in before.flags] == ["no-device"]
    with (patterns / "terms.jsonl").open("a") as f:
        f.write('{"label": "DEVICE", "id": "zorblatt", "phrase": "Zorblatt cavity device"}\n')
    coded = Coder(patterns).code_text(text)
    assert coded.findings[0].device == "zorblatt"
    assert coded.code_units() == {"22514": 1}
    assert coded.flags == []


def test_every_match_of_a_rule_is_followed_by_a_word_it_requires():
    # A rule is skipped on a note with none of its "requires" words: that must never lose a match.
    # (A word may stand in a lookahead, "S1" before "pedicle", so the note is what is searched.)
    import re

    from conftest import NOTES

    loaded = load()
    rules = [(row["regex"], 0, row["requires"]) for row in loaded.levels + loaded.terms if "requires" in row]
    # The encounter rules are matched line by line, in any case.
    rules += [
        (row["regex"], re.I | re.M, row["requires"])
        for rows in loaded.encounter.values()
        for row in rows
        if row["requires"]
    ]
    assert rules
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(NOTES.glob("*.txt"))]
    for regex, flags, requires in rules:
        compiled = re.compile(regex, flags)
        for text in texts:
            for match in compiled.finditer(text):
                around = text[match.start() : match.end() + 40].lower()
                assert any(word in around for word in requires), (regex, match.group())
