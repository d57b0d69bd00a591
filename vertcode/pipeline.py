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
from vertcode.findings import FindingsBuilder  # noqa: F401  (registers vertcode_findings)

# Units glued to a number ("3cc", "2.5mL", "11g") are split so the number and unit stand alone.
_UNIT_SUFFIX = r"(?<=[0-9])(?:cc|ml|mL|ML|CC|g|G|ga)$"

_CONTEXT_ATTRIBUTES = {
    "NEGATED_EXISTENCE": {"is_negated": True},
    "HISTORICAL": {"is_historical": True},
    "HYPOTHETICAL": {"is_hypothetical": True},
    "ABORTED": {"is_aborted": True},
}


@Language.factory("vertcode_sentences")
class SentenceSplitter:
    """Sentence boundaries for dictated clinical notes, by rule.

    Reads tokens; writes `token.is_sent_start`. A sentence ends at . ! ? or ; and at a line
    break that starts a list item, a heading, or follows a blank line or a colon. A line break
    inside wrapped prose does not end a sentence, so ConText's scope survives hard-wrapped text.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_sentences"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        pending = True
        last = None  # text of the last token that is not white space
        for token in doc:
            if token.is_space:
                if token.i:
                    token.is_sent_start = False
                if "\n" in token.text and (
                    token.text.count("\n") > 1 or last in (None, ":", ".") or _line_item_follows(token)
                ):
                    pending = True
                continue
            token.is_sent_start = pending or token.i == 0
            pending = token.text in _TERMINALS
            last = token.text
        return doc


_TERMINALS = frozenset({".", "!", "?", ";"})


def _line_item_follows(newline) -> bool:
    """A numbered or bulleted item, or an ALL-CAPS heading word, starts the next line."""
    doc = newline.doc
    if newline.i + 1 >= len(doc):
        return False
    token = doc[newline.i + 1]
    text = token.text
    if text in ("-", "*", "•", "["):
        return True
    if text.isdigit() and token.i + 1 < len(doc) and doc[token.i + 1].text in (".", ")"):
        return True
    return text.isalpha() and text.isupper() and len(text) > 1


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
            labelled = [e for e in ents if e.start < long_form.end and long_form.start < e.end
                        and e.label_ not in ("LEVEL", "NOT_LEVEL")]
            if len(labelled) != 1:
                continue
            source = labelled[0]
            added.append(Span(doc, short.start, short.end, label=source.label, span_id=source.id))
        if added:
            doc.ents = filter_spans(ents + added)
        return doc


def _ruler_patterns(nlp: Language, loaded: pattern_files.Patterns) -> list[dict]:
    rows = []
    for row in loaded.levels:
        rows.append({"label": row["label"], "id": row["id"], "pattern": row["pattern"]})
    for row in loaded.terms:
        ident = row["id"] + (f"|{row['device']}" if row.get("device") else "")
        if "pattern" in row:
            pattern = row["pattern"]
        elif row.get("case") == "exact":
            pattern = [{"ORTH": t.text} for t in nlp.make_doc(row["phrase"])]
        elif row.get("fuzzy"):
            # Transcription slips ("kyphopasty"): two edits on long words only, so short words
            # never drift onto unrelated ones.
            pattern = [{"LOWER": {"FUZZY2": t.lower_}} if len(t) >= 9 else {"LOWER": t.lower_}
                       for t in nlp.make_doc(row["phrase"])]
        else:
            pattern = row["phrase"]
        rows.append({"label": row["label"], "id": ident, "pattern": pattern})
    return rows


def build(patterns_dir: str | Path | None = None) -> Language:
    """A ready pipeline; patterns are read and validated from `patterns_dir` (default: bundled)."""
    loaded = pattern_files.load(patterns_dir)
    _quiet_libraries()
    from medspacy.context import ConText, ConTextRule
    from medspacy.section_detection import Sectionizer, SectionRule
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

    for attr in ("is_negated", "is_historical", "is_hypothetical", "is_aborted"):
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
    sectionizer.add([SectionRule(literal=r["literal"], category=r["category"], metadata={"role": r["role"]})
                     for r in loaded.sections])
    ruler = nlp.add_pipe("span_ruler", config={
        "spans_key": None, "annotate_ents": True, "phrase_matcher_attr": "LOWER", "validate": True,
    })
    ruler.add_patterns(_ruler_patterns(nlp, loaded))
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("vertcode_abbreviations")
    context: ConText = nlp.add_pipe(
        "medspacy_context", config={"rules": None, "span_attrs": _CONTEXT_ATTRIBUTES},
    )
    context.add([ConTextRule.from_dict(rule) for rule in loaded.context_rules])
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
    warnings.filterwarnings("ignore", module="medspacy")
