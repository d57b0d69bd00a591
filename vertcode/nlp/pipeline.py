"""The spaCy pipeline: from note text to a Doc carrying `doc._.extraction`.

spaCy's blank English with a tokenizer adapted to clinical text (`ClinicalEnglish`), then:

0. vertcode_norms         NORMs for matching: line breaks, transcription slips
   vertcode_dictation     words speech recognition split ("kypho plasty", "P. M. M. A.") joined
1. vertcode_sentences     fast rule-based sentence boundaries for dictated notes
2. vertcode_sections      section titles from patterns/sections.json (role per section), found
                          by medspaCy's section rules and matcher
3. vertcode_regex_ruler   levels and the vocabulary's regular expressions (patterns/levels.jsonl,
                          terms.jsonl), matched on the text
   span_ruler             the vocabulary's phrases (terms.jsonl), matched on NORM by spaCy's
                          PhraseMatcher
4. vertcode_abbreviations scispacy's abbreviation detector: "(PVA)" defined in the note is
                          labelled like its long form wherever it is used
5. medspacy_context       history, plans, negation, aborted attempts (patterns/context.json), by
                          medspaCy's ConText in linear time, up to caps on terms and modifiers
6. vertcode_findings      one finding per vertebral body (vertcode.nlp.findings)
7. vertcode_claim_reader  causes of the fractures, coverage elements, date of service
                          (patterns/claims/reading.json), for a note documenting work

medspaCy's PyRuSH sentence splitter is not used: it is the slowest part of `medspacy.load()`.
"""

import re
import sys
import warnings
from pathlib import Path
from typing import Any, cast

from spacy.language import Language
from spacy.pipeline import SpanRuler

from vertcode import patterns as pattern_files

# Importing a component's module registers its spaCy factory.
from vertcode.nlp import bounded_context, claim_reader, findings, rulers, sentences  # noqa: F401
from vertcode.nlp.findings import FindingsBuilder
from vertcode.nlp.medspacy_parts import import_medspacy
from vertcode.nlp.norms import LINE_BREAK
from vertcode.nlp.reading.events import term_id
from vertcode.nlp.rulers import RegexRuler
from vertcode.nlp.sections import SectionFinder
from vertcode.nlp.tokenizer import ClinicalEnglish


def line_break_variants(phrase: str) -> list[str]:
    """The phrase as written, and with a line break at each of its spaces.

    Hard-wrapped notes put a white-space token between words ("was not\ntreated"); the
    normaliser gives every such token the NORM "¶", so "was not ¶ treated" matches it.
    """
    words = phrase.split()
    variants = [words[0]]
    for word in words[1:]:
        variants = [f"{v} {word}" for v in variants] + [f"{v} {LINE_BREAK} {word}" for v in variants]
    return variants


def _ruler_patterns(loaded: pattern_files.Patterns) -> tuple[list[dict], list[dict]]:
    """(regex rows, phrase patterns): a phrase that must match its case exactly ("PVP") is a
    regular expression, since the phrase matcher reads NORM, which is lower case."""
    regexes = [dict(row) for row in loaded.levels]
    phrases: list[dict] = []
    for row in loaded.terms:
        ident = term_id(row["id"], row.get("device"), row.get("approximate", False))
        if "regex" in row:
            regexes.append({"label": row["label"], "id": ident, "regex": row["regex"], **_requires(row)})
        elif row.get("case") == "exact":
            regexes.append({"label": row["label"], "id": ident, "regex": re.escape(row["phrase"]) + r"\b"})
        else:
            phrases.extend(
                {"label": row["label"], "id": ident, "pattern": p} for p in line_break_variants(row["phrase"])
            )
    return regexes, phrases


def _requires(row: dict) -> dict:
    return {"requires": row["requires"]} if "requires" in row else {}


def _context_rules(rule: dict) -> list:
    from medspacy.context import ConTextRule

    if "pattern" in rule:
        return [ConTextRule.from_dict(rule)]
    return [ConTextRule.from_dict({**rule, "literal": variant}) for variant in line_break_variants(rule["literal"])]


def _section_rules(rows, SectionRule) -> list:
    """Each title as written with its colon, and the titles alone on their line ("Indications").

    The titles alone on a line are one regular expression over the note's text (medspaCy
    rebuilds the text for every regular-expression rule); its metadata maps each title to the
    role and scope of its section.
    """
    rules = []
    headings: dict[str, dict] = {}
    for row in rows:
        metadata = {"role": row["role"], "scope": row.get("scope", "section"), "category": row["category"]}
        if "regex" in row:
            # A title written many ways ("ADDENDUM (11/14, Dr. X):"), matched on the note's text.
            rules.append(
                SectionRule(literal=row["literal"], category=row["category"], pattern=row["regex"], metadata=metadata)
            )
            continue
        rules.append(SectionRule(literal=row["literal"], category=row["category"], metadata=metadata))
        headings[" ".join(row["literal"].rstrip(":").lower().split())] = metadata
    titles = sorted(headings, key=len, reverse=True)
    pattern = r"(?im)^(?:" + "|".join(r"\s+".join(map(re.escape, t.split())) for t in titles) + r")(?=[ \t]*\r?$)"
    rules.append(
        SectionRule(
            literal="heading alone on a line", category="heading", pattern=pattern, metadata={"headings": headings}
        )
    )
    return rules


def _known_words(loaded: pattern_files.Patterns) -> list[str]:
    """Every word of every phrase: none of them is ever taken for a slip of another."""
    phrases = [row["phrase"] for row in loaded.terms if "phrase" in row]
    phrases += [rule["literal"] for rule in loaded.context_rules]
    phrases += [row["literal"] for row in loaded.sections]
    return sorted({word.lower() for phrase in phrases for word in re.findall(r"[A-Za-z]+", phrase)})


def build(patterns_dir: str | Path | None = None, *, loaded: pattern_files.Patterns | None = None) -> Language:
    """A ready pipeline; patterns are read and validated from `patterns_dir` (default: bundled),
    unless they are given already `loaded`."""
    if loaded is None:
        loaded = pattern_files.load(patterns_dir)
    _quiet_libraries()
    SectionRule = import_medspacy().SectionRule
    nlp = ClinicalEnglish()
    fuzzy = sorted(
        {word.lower() for row in loaded.terms if row.get("fuzzy") for word in re.findall(r"[A-Za-z]+", row["phrase"])}
    )
    known = _known_words(loaded)
    nlp.add_pipe("vertcode_norms", config={"vocabulary": fuzzy, "known": known})
    nlp.add_pipe("vertcode_dictation", config={"words": known})
    nlp.add_pipe("vertcode_sentences")
    sectionizer = cast(SectionFinder, nlp.add_pipe("vertcode_sections"))
    regexes, phrases = _ruler_patterns(loaded)
    cast(RegexRuler, nlp.add_pipe("vertcode_regex_ruler")).add_patterns(regexes)
    ruler = cast(
        SpanRuler,
        nlp.add_pipe(
            "span_ruler",
            config={
                "spans_key": None,
                "annotate_ents": True,
                "phrase_matcher_attr": "NORM",
                "validate": True,
                "overwrite": False,  # keep the regex ruler's entities, longest first
            },
        ),
    )
    nlp.add_pipe("vertcode_abbreviations")
    # medspaCy's ConText in time linear in the note, reading up to the caps (vertcode.nlp.bounded_context).
    context: Any = nlp.add_pipe("vertcode_context", name="medspacy_context")
    # The span ruler, medspaCy's matcher and ConText run the pipeline over every phrase they are
    # given; a phrase only needs the tokenizer (its words' NORMs are their lower case, which no
    # component changes), and running the rest cost a third of the start-up.
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(phrases)
        sectionizer.add(_section_rules(loaded.sections, SectionRule))
        context.add([r for rule in loaded.context_rules for r in _context_rules(rule)])
    cast(FindingsBuilder, nlp.add_pipe("vertcode_findings")).set_rules(loaded.encounter, loaded.corrections)
    cast(claim_reader.ClaimReader, nlp.add_pipe("vertcode_claim_reader")).set_rules(loaded.claim_reading)
    return nlp


def _quiet_libraries() -> None:
    """PyRuSH logs through loguru at DEBUG: keep a user's terminal clean. vertcode never loads
    PyRuSH itself (vertcode.nlp.medspacy_parts), so loguru is quietened only when a program that
    imported all of medspaCy has loaded it: importing it here cost 0.07 s of start-up."""
    logger = getattr(sys.modules.get("loguru"), "logger", None)
    if logger is not None:
        for name in ("PyRuSH", "medspacy", "quickumls"):
            logger.disable(name)
    # W036: scispacy and medspaCy call matchers that may hold no pattern for a given note.
    warnings.filterwarnings("ignore", message=r"\[W036\]")
