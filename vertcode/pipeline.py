"""The spaCy pipeline: from note text to a Doc carrying `doc._.extraction`.

spaCy's blank English with a tokenizer adapted to clinical text (`ClinicalEnglish`), then:

0. vertcode_norms         NORMs for matching: line breaks, transcription slips
1. vertcode_sentences     fast rule-based sentence boundaries for dictated notes
2. vertcode_sections      section titles from patterns/sections.json (role per section), found
                          by medspaCy's section rules and matcher
3. vertcode_regex_ruler   levels and the vocabulary's regular expressions (patterns/levels.jsonl,
                          terms.jsonl), matched on the text
   span_ruler             the vocabulary's phrases (terms.jsonl), matched on NORM by spaCy's
                          PhraseMatcher
4. abbreviation_detector  scispacy: "(PVA)" defined in the note...
5. vertcode_abbreviations ...is labelled like its long form wherever it is used
6. medspacy_context       history, plans, negation, aborted attempts (patterns/context.json)
7. vertcode_findings      one finding per vertebral body (vertcode.findings)

medspaCy's PyRuSH sentence splitter is not used: it is the slowest part of `medspacy.load()`.
"""


import re
import warnings
from pathlib import Path

from spacy.lang.en import English
from spacy.lang.tokenizer_exceptions import emoticons
from spacy.language import Language
from spacy.matcher.levenshtein import levenshtein
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from vertcode import patterns as pattern_files
from vertcode.medspacy_parts import import_medspacy
from vertcode.sentences import NOTE_TEXT, note_text
# Imported for their @Language.factory registrations.
from vertcode.findings import FindingsBuilder  # noqa: F401
from vertcode.sections import SectionFinder  # noqa: F401
from vertcode.sentences import SentenceSplitter  # noqa: F401


class ClinicalEnglishDefaults(English.Defaults):
    # Units glued to a number ("3cc", "2.5mL", "11g") are split so the number and unit stand alone.
    suffixes = [*English.Defaults.suffixes, r"(?<=[0-9])(?:cc|ml|mL|ML|CC|g|G|ga)$"]
    # A bracket opened inside a word is a token of its own: "Level(s):" is a word, a plural mark
    # and a colon, as a "Label:" field needs; "cement(PMMA)" is two words.
    infixes = [*English.Defaults.infixes, r"(?<=[A-Za-z])\((?=[A-Za-z])"]
    # Operative notes hold no emoticons, but "Level(s):" ends in "):" and a list in "8)".
    tokenizer_exceptions = {orth: tokens for orth, tokens in English.Defaults.tokenizer_exceptions.items()
                            if orth not in emoticons}


class ClinicalEnglish(English):
    """spaCy's blank English with a tokenizer adapted to clinical text.

    A subclass rather than `spacy.blank("en")` then a new suffix rule: setting the tokenizer's
    rules afterwards rebuilds all its special cases, a tenth of a second at every start.
    """

    Defaults = ClinicalEnglishDefaults

    def make_doc(self, text: str) -> Doc:
        """The tokenized text, which the Doc also keeps for `note_text` (see there)."""
        doc = super().make_doc(text)
        doc.user_data[NOTE_TEXT] = text
        return doc


#: The NORM of every white-space token, so phrases match across hard line breaks.
LINE_BREAK = "¶"
#: The NORM of a year (1900-2099), so that one phrase, "in yyyy", names them all.
YEAR = "yyyy"
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")


@Language.factory("vertcode_norms", default_config={"vocabulary": [], "known": []})
class Normaliser:
    """Sets the NORM that phrase matching reads, once per word of the vocabulary.

    Reads tokens; writes lexeme NORMs in the shared vocab: every white-space token's NORM is
    "¶", a year's is "yyyy" (the history trigger "(yyyy)" in patterns/context.json), and a
    word within one edit (six to eight letters) or two edits (nine or more) of a word in
    `vocabulary` takes that word as its NORM, so "kyphopasty" and "baloon" match. Words in
    `known` (every word of every pattern) are never corrected.

    Phrases on NORM cost spaCy's PhraseMatcher next to nothing; a token pattern testing each
    token with a regular expression cost ConText a third of its time.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_norms", *,
                 vocabulary: list[str], known: list[str]):
        self.name = name
        self.vocabulary = sorted(set(vocabulary))
        self.known = frozenset(known) | frozenset(self.vocabulary)
        self.seen: set[int] = set()

    def __call__(self, doc: Doc) -> Doc:
        vocab = doc.vocab
        for token in doc:
            if token.orth in self.seen:
                continue
            self.seen.add(token.orth)
            if token.is_space:
                vocab[token.orth].norm_ = LINE_BREAK
            elif _YEAR.fullmatch(token.text):
                vocab[token.orth].norm_ = YEAR
            else:
                correct = self.correction(token.lower_)
                if correct:
                    vocab[token.orth].norm_ = correct
        return doc

    def correction(self, word: str) -> str | None:
        if len(word) < 6 or not word.isalpha() or word in self.known:
            return None
        for target in self.vocabulary:
            edits = 2 if len(target) >= 9 else 1
            if abs(len(target) - len(word)) <= edits and levenshtein(word, target, edits) <= edits:
                return target
        return None


@Language.factory("vertcode_regex_ruler", default_config={"patterns": []})
class RegexRuler:
    """Entities from regular expressions over the note's text.

    Reads the note's text; writes `doc.ents`, keeping the longest of overlapping spans as spaCy's
    span ruler does. A match counts only where it starts and ends on token boundaries; a
    trailing "\\b" makes a regular expression back off to a shorter match ("T11" of "T11-L1x")
    rather than run into a word. For speed, begin one with the characters a match starts with
    ("[CTLSctls]"), which Python's `re` skips ahead to, or with "\\b" before a list of words,
    which fails at once inside a word.

    Levels ("T12", "T11 to L1", "L 1") are matched this way rather than by token patterns:
    spaCy's Matcher tries every pattern at every token and calls a Python predicate for each
    REGEX or IN, which made level matching the slowest step of the pipeline (`make bench`).

    `patterns` are {"label", "id", "regex"} rows.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_regex_ruler", *, patterns: list[dict]):
        self.name = name
        self.rules = [(nlp.vocab.strings.add(row["label"]), nlp.vocab.strings.add(row["id"]),
                       re.compile(row["regex"])) for row in patterns]

    def __call__(self, doc: Doc) -> Doc:
        text = note_text(doc)
        spans = []
        for label, ident, regex in self.rules:
            match = regex.search(text)
            while match:
                span = doc.char_span(match.start(), match.end(), label=label, span_id=ident)
                if span is None:  # inside a token: look again from the next character
                    match = regex.search(text, match.start() + 1)
                else:
                    spans.append(span)
                    match = regex.search(text, match.end())
        if spans:
            doc.ents = filter_spans(list(doc.ents) + spans)
        return doc


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
    phrases = []
    for row in loaded.terms:
        ident = row["id"] + (f"|{row['device']}" if row.get("device") else "")
        if "regex" in row:
            regexes.append({"label": row["label"], "id": ident, "regex": row["regex"]})
        elif row.get("case") == "exact":
            regexes.append({"label": row["label"], "id": ident,
                            "regex": re.escape(row["phrase"]) + r"\b"})
        else:
            phrases.extend({"label": row["label"], "id": ident, "pattern": p}
                           for p in line_break_variants(row["phrase"]))
    return regexes, phrases


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
        metadata = {"role": row["role"], "scope": row.get("scope", "section")}
        rules.append(SectionRule(literal=row["literal"], category=row["category"], metadata=metadata))
        headings[" ".join(row["literal"].rstrip(":").lower().split())] = metadata
    titles = sorted(headings, key=len, reverse=True)
    pattern = r"(?im)^(?:" + "|".join(r"\s+".join(map(re.escape, t.split())) for t in titles) + r")(?=[ \t]*\r?$)"
    rules.append(SectionRule(literal="heading alone on a line", category="heading", pattern=pattern,
                             metadata={"headings": headings}))
    return rules


def _known_words(loaded: pattern_files.Patterns) -> list[str]:
    """Every word of every phrase: none of them is ever taken for a slip of another."""
    phrases = [row["phrase"] for row in loaded.terms if "phrase" in row]
    phrases += [rule["literal"] for rule in loaded.context_rules]
    phrases += [row["literal"] for row in loaded.sections]
    return sorted({word.lower() for phrase in phrases for word in re.findall(r"[A-Za-z]+", phrase)})


def build(patterns_dir: str | Path | None = None) -> Language:
    """A ready pipeline; patterns are read and validated from `patterns_dir` (default: bundled)."""
    loaded = pattern_files.load(patterns_dir)
    _quiet_libraries()
    SectionRule = import_medspacy().SectionRule
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

    nlp = ClinicalEnglish()
    fuzzy = sorted({word.lower() for row in loaded.terms if row.get("fuzzy")
                    for word in re.findall(r"[A-Za-z]+", row["phrase"])})
    nlp.add_pipe("vertcode_norms", config={"vocabulary": fuzzy, "known": _known_words(loaded)})
    nlp.add_pipe("vertcode_sentences")
    sectionizer = nlp.add_pipe("vertcode_sections")
    regexes, phrases = _ruler_patterns(loaded)
    nlp.add_pipe("vertcode_regex_ruler", config={"patterns": regexes})
    ruler = nlp.add_pipe("span_ruler", config={
        "spans_key": None, "annotate_ents": True, "phrase_matcher_attr": "NORM", "validate": True,
        "overwrite": False,  # keep the regex ruler's entities, longest first
    })
    nlp.add_pipe("abbreviation_detector")
    nlp.add_pipe("vertcode_abbreviations")
    context = nlp.add_pipe("medspacy_context", config={
        "rules": None, "span_attrs": None, "phrase_matcher_attr": "NORM",
    })
    # The span ruler, medspaCy's matcher and ConText run the pipeline over every phrase they are
    # given; a phrase only needs the tokenizer (its words' NORMs are their lower case, which no
    # component changes), and running the rest cost a third of the start-up.
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(phrases)
        sectionizer.add(_section_rules(loaded.sections, SectionRule))
        context.add([r for rule in loaded.context_rules for r in _context_rules(rule)])
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
