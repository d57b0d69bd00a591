"""The spaCy pipeline: from note text to a Doc carrying `doc._.extraction`.

`spacy.blank("en")` with a tokenizer adapted to clinical text, then, in order:

1. vertcode_sentences     fast rule-based sentence boundaries for dictated notes
2. medspacy_sectionizer   section titles from patterns/sections.json (role per section)
3. span_ruler             levels and vocabulary from patterns/levels.jsonl and terms.jsonl
4. abbreviation_detector  scispacy: "(PVA)" defined in the note...
5. vertcode_abbreviations ...is labelled like its long form wherever it is used
6. medspacy_context       history, plans, negation, aborted attempts (patterns/context.json)
7. vertcode_findings      one finding per vertebral body (vertcode.findings)

medspaCy's PyRuSH sentence splitter is not used: it is the slowest part of `medspacy.load()`.
"""


import warnings
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import compile_suffix_regex, filter_spans

from vertcode import patterns as pattern_files
# Imported for their @Language.factory registrations.
from vertcode.findings import FindingsBuilder  # noqa: F401
from vertcode.sentences import SentenceSplitter  # noqa: F401

# Units glued to a number ("3cc", "2.5mL", "11g") are split so the number and unit stand alone.
_UNIT_SUFFIX = r"(?<=[0-9])(?:cc|ml|mL|ML|CC|g|G|ga)$"

_CONTEXT_ATTRIBUTES = {
    "NEGATED_EXISTENCE": {"is_negated": True},
    "HISTORICAL": {"is_historical": True},
    "HYPOTHETICAL": {"is_hypothetical": True},
    "ABORTED": {"is_aborted": True},
    "LANDMARK": {"is_landmark": True},
}


@Language.factory("vertcode_abbreviations")
class AbbreviationLabeller:
    """Gives an abbreviation defined in the note the label of its long form.

    Reads `doc._.abbreviations` (scispacy's AbbreviationDetector) and `doc.ents`; writes
    `doc.ents`: "percutaneous vertebral augmentation (PVA) ... PVA at L1" labels each "PVA"
    TECHNIQUE/augmentation like the phrase it stands for.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_abbreviations"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        if not doc._.abbreviations:
            return doc
        ents = list(doc.ents)
        added = []
        for short in doc._.abbreviations:
            long_form = short._.long_form
            if not (short.text.isupper() and len(short.text) > 1):
                continue  # "Balloon (mL)" defines no abbreviation
            labelled = [e for e in ents if e.start < long_form.end and long_form.start < e.end
                        and e.label_ not in ("LEVEL", "NOT_LEVEL")]
            if len(labelled) != 1:
                continue
            source = labelled[0]
            added.append(Span(doc, short.start, short.end, label=source.label, span_id=source.id))
        if added:
            doc.ents = filter_spans(ents + added)
        return doc


_LINE_BREAK = {"IS_SPACE": True, "OP": "*"}


def phrase_pattern(nlp: Language, phrase: str, *, exact: bool = False, fuzzy: bool = False):
    """A phrase as a matcher pattern that still matches when a line break falls inside it.

    Hard-wrapped notes put a newline token between words ("was not\ntreated"), which a plain
    phrase match would miss. A one-word phrase stays a string for the fast PhraseMatcher.
    """
    words = [t for t in nlp.make_doc(phrase) if not t.is_space]
    if len(words) == 1 and not exact and not fuzzy:
        return phrase
    pattern = []
    for word in words:
        if pattern:
            pattern.append(_LINE_BREAK)
        if exact:
            pattern.append({"ORTH": word.text})
        elif fuzzy and len(word) >= 6:
            # Transcription slips ("kyphopasty", "baloon"): two edits on long words, one on
            # mid-length ones, none on short ones, so no word drifts onto an unrelated one.
            pattern.append({"LOWER": {"FUZZY2" if len(word) >= 9 else "FUZZY1": word.lower_}})
        else:
            pattern.append({"LOWER": word.lower_})
    return pattern


def _ruler_patterns(nlp: Language, loaded: pattern_files.Patterns) -> list[dict]:
    rows = [{"label": row["label"], "id": row["id"], "pattern": row["pattern"]} for row in loaded.levels]
    for row in loaded.terms:
        ident = row["id"] + (f"|{row['device']}" if row.get("device") else "")
        pattern = row.get("pattern") or phrase_pattern(
            nlp, row["phrase"], exact=row.get("case") == "exact", fuzzy=row.get("fuzzy", False))
        rows.append({"label": row["label"], "id": ident, "pattern": pattern})
    return rows


def _context_rule(nlp: Language, rule: dict):
    from medspacy.context import ConTextRule

    if "pattern" not in rule:
        pattern = phrase_pattern(nlp, rule["literal"])
        if isinstance(pattern, list):
            rule = {**rule, "pattern": pattern}
    return ConTextRule.from_dict(rule)


_NEWLINE = {"IS_SPACE": True, "TEXT": {"REGEX": "\n"}}


def _section_rules(nlp: Language, row: dict, SectionRule) -> list:
    """A title as written with its colon, and the same title alone on its line ("Indications")."""
    metadata = {"role": row["role"], "scope": row.get("scope", "section")}
    rules = [SectionRule(literal=row["literal"], category=row["category"], metadata=metadata)]
    bare = row["literal"].rstrip(":").strip()
    words = [{"LOWER": t.lower_} for t in nlp.make_doc(bare)]
    rules.append(SectionRule(literal=bare, category=row["category"], metadata=metadata,
                             pattern=[_NEWLINE, *words, _NEWLINE]))
    return rules


def build(patterns_dir: str | Path | None = None) -> Language:
    """A ready pipeline; patterns are read and validated from `patterns_dir` (default: bundled)."""
    loaded = pattern_files.load(patterns_dir)
    _quiet_libraries()
    from medspacy.context import ConText
    from medspacy.section_detection import Sectionizer, SectionRule
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

    for attr in ("is_negated", "is_historical", "is_hypothetical", "is_aborted", "is_landmark"):
        if not Span.has_extension(attr):
            Span.set_extension(attr, default=False)

    nlp = spacy.blank("en")
    suffixes = list(nlp.Defaults.suffixes) + [_UNIT_SUFFIX]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search

    nlp.add_pipe("vertcode_sentences")
    sectionizer: Sectionizer = nlp.add_pipe(
        "medspacy_sectionizer",
        config={"rules": None, "apply_sentence_boundary": True, "span_attrs": None},
    )
    sectionizer.add([rule for r in loaded.sections for rule in _section_rules(nlp, r, SectionRule)])
    ruler = nlp.add_pipe("span_ruler", config={
        "spans_key": None, "annotate_ents": True, "phrase_matcher_attr": "LOWER", "validate": True,
    })
    ruler.add_patterns(_ruler_patterns(nlp, loaded))
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("vertcode_abbreviations")
    context: ConText = nlp.add_pipe(
        "medspacy_context", config={"rules": None, "span_attrs": _CONTEXT_ATTRIBUTES},
    )
    context.add([_context_rule(nlp, rule) for rule in loaded.context_rules])
    nlp.add_pipe("vertcode_findings")
    return nlp


def _quiet_libraries() -> None:
    """medspaCy pulls in PyRuSH, which logs through loguru at DEBUG: keep a user's terminal clean."""
    try:
        from loguru import logger
    except ImportError:  # pragma: no cover - loguru comes with medspaCy
        return
    for name in ("PyRuSH", "medspacy", "quickumls"):
        logger.disable(name)
    # W036: scispacy and medspaCy call matchers that may hold no pattern for a given note.
    warnings.filterwarnings("ignore", message=r"\[W036\]")
