"""Reading what a claim needs beyond the CPT codes: causes of fractures, coverage elements, dates.

The words are data (patterns/claims/reading.json); the rules that turn them into ICD-10-CM codes
and a coverage checklist are plain Python in vertcode.claims, which never sees spaCy.
"""

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from vertcode import levels as level_names
from vertcode.claim_model import ClaimText, Mention
from vertcode.model import Evidence
from vertcode.nlp.dates import DateRules, date_of_service
from vertcode.nlp.errors import require_before
from vertcode.nlp.reading.layout import FIELD_END
from vertcode.nlp.saving import rules_from_bytes, rules_from_disk, rules_to_bytes, rules_to_disk
from vertcode.nlp.sections import SectionIndex
from vertcode.nlp.sentences import NoteTokens
from vertcode.nlp.tokenizer import note_text

REQUIRES = ("vertcode_sentences", "vertcode_sections", "vertcode_regex_ruler", "vertcode_findings")

_LINE_END = re.compile(r"\n")


@dataclass(frozen=True)
class _Row:
    """A row of reading.json: a note without any of its `requires` words (lower case) holds no
    match of its regex, so the regex is not run (case-insensitive alternations scan slowly)."""

    kind: str
    regex: re.Pattern
    companion: re.Pattern | None
    requires: tuple[str, ...]


@dataclass(frozen=True)
class _Rules:
    """reading.json compiled: each list a tuple of (kind, regex, optional companion regex)."""

    causes: tuple[_Row, ...]
    fracture: tuple[_Row, ...]
    checklist: tuple[_Row, ...]
    red_flags: tuple[_Row, ...]
    negated: re.Pattern
    uncertain: re.Pattern
    uncertain_after: re.Pattern
    negated_after: re.Pattern
    unticked: re.Pattern  # the line before a mention, when the last check box on it is empty
    past: re.Pattern
    clause: re.Pattern
    max_words: int
    pain_score: re.Pattern
    hospitalized: re.Pattern
    after_procedure: re.Pattern
    risk_sentence: re.Pattern
    not_a_risk: re.Pattern
    dates: DateRules
    not_diagnosis: frozenset[str]  # section categories whose words are never the patient's diagnosis

    @classmethod
    def compile(cls, data: dict) -> "_Rules":
        def rows(key: str) -> tuple[_Row, ...]:
            name = "element" if key == "checklist" else "id"
            return tuple(
                _Row(
                    row[name],
                    lowered(row["regex"]),
                    lowered(row["with"]) if "with" in row else None,
                    tuple(row["requires"]),
                )
                for row in data[key]
            )

        certainty = data["certainty"]
        return cls(
            causes=rows("causes"),
            fracture=rows("fracture"),
            checklist=rows("checklist"),
            red_flags=rows("red_flags"),
            negated=lowered(certainty["negated"]),
            uncertain=lowered(certainty["uncertain"]),
            uncertain_after=lowered(certainty["uncertain_after"]),
            negated_after=lowered(certainty["negated_after"]),
            unticked=lowered(certainty["unticked"]),
            past=lowered(certainty["past"]),
            clause=lowered(certainty["clause"]),
            max_words=certainty["max_words"],
            pain_score=lowered(data["pain_score"]),
            hospitalized=lowered(data["hospitalized"]),
            after_procedure=lowered(data["after_procedure"]),
            risk_sentence=lowered(data["risk_sentence"]),
            not_a_risk=lowered(data["not_a_risk"]),
            dates=DateRules.compile(data["date_of_service"]),
            not_diagnosis=frozenset(data["not_diagnosis_sections"]["categories"]),
        )


def lowered(pattern: str) -> re.Pattern:
    """`pattern` (ASCII, as claim_patterns.load_claim_reading checks) compiled to match the note's
    folded lower case (`_Sentences.lower`) exactly where it matches the note with re.I.

    Matching lower case without re.I is 1.7x faster. It finds the same spans: an ASCII letter
    matches with re.I only its own two cases and the look-alikes that `levels.LOOKALIKES` folds,
    folding and lower-casing keep every character one character and a word character a word
    character, and an escape ("\\S", "\\B") keeps its case. tests/test_claim_outputs.py checks it
    on the differential notes.
    """
    return re.compile(re.sub(r"\\.|[A-Z]+", lambda m: m[0] if m[0][0] == "\\" else m[0].lower(), pattern))


@Language.factory("vertcode_claim_reader")
class ClaimReader:
    """Reads the causes and types of the note's fractures, the coverage checklist's elements,
    pain scores and the date of service, each phrase with the levels of its sentence and its
    certainty (negated, uncertain, past: the words before it in its clause say).

    Reads: sentences, `doc._.sections`, LEVEL entities, `doc._.extraction`. Writes
    `doc._.extraction.claim_text` (a `vertcode.model.ClaimText`), only for a note that documents
    work at a level or a biopsy: a note that codes nothing has no claim. `set_rules` gives it
    patterns/claims/reading.json as loaded by `vertcode.claim_patterns.load_claim_reading`.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_claim_reader"):
        self.nlp = nlp
        self.name = name
        self.given: dict = {}
        self.rules: _Rules | None = None

    def set_rules(self, reading: dict) -> None:
        self.given = {"reading": reading}
        self.rules = _Rules.compile(reading)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        rules_to_disk(path, self.given)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "ClaimReader":
        self.set_rules(**rules_from_disk(path))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return rules_to_bytes(self.given)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "ClaimReader":
        self.set_rules(**rules_from_bytes(data))
        return self

    def __call__(self, doc: Doc) -> Doc:
        require_before(self.nlp, self.name, REQUIRES)
        extraction = doc._.extraction
        if self.rules is None or extraction is None or not (extraction.findings or extraction.biopsies):
            return doc
        extraction.claim_text = read_claim_text(doc, self.rules)
        return doc


def read_claim_text(doc: Doc, rules: _Rules) -> ClaimText:
    text = note_text(doc)
    out = ClaimText()
    sentences = _Sentences(doc, text, rules)
    # Each regular expression scans the note once, its matches given to the sentences holding
    # them: scanning sentence by sentence was most of the claim's time (issue 14).
    for group, rows, label, allowed in (
        ("causes", rules.causes, "CAUSE", sentences.diagnostic),
        ("fractures", rules.fracture, "FRACTURE", sentences.diagnostic),
        ("elements", rules.checklist, "ELEMENT", sentences.checked),
        ("red_flags", rules.red_flags, "RED_FLAG", sentences.not_risk),
    ):
        setattr(out, group, _mentions(rules, rows, sentences, allowed, label))
    after = {k for k, _ in sentences.matches(rules.after_procedure)}
    for k, match in sentences.matches(rules.pain_score):
        if k not in after:
            out.pain_scores += _pain_score(match, text, label="PAIN_SCORE")
    for k, match in sentences.matches(rules.hospitalized):
        sentence, offset = sentences.lower_of(k), sentences.starts[k]
        if _certainty(rules, sentence, match.start() - offset, match.end() - offset) == "certain":
            out.hospitalized.append(
                Evidence(match.start(), match.end(), text[match.start() : match.end()], "HOSPITALIZED")
            )
    out.date_of_service = date_of_service(text, rules.dates)
    return out


class _Sentences:
    """The note's sentences with what the claim reads of each: its section's category, its levels,
    whether it lists a consent's risks; and each regular expression's matches, by sentence."""

    def __init__(self, doc: Doc, text: str, rules: _Rules):
        self.text = text
        # Folded, so a `requires` word is found wherever a regex with re.I matches ("oſteoporotic").
        self.lower = text.translate(level_names.LOOKALIKES).lower()
        index = SectionIndex(doc)
        tokens = NoteTokens(doc)
        sents = list(doc.sents)
        levels_of = _sentence_levels(doc, [sent.start for sent in sents])
        categories: dict[int, tuple[str | None, int]] = {}
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.sections: list[str | None] = []
        self.levels: list[tuple[str, ...]] = []
        ended: int | None = None  # where a field ended the excluded section holding it
        for sent in sents:
            start, end = sent.start_char, sent.end_char
            if start == end or text[start:end].isspace():
                continue
            holder = index.of(sent.start)
            if holder.title_start not in categories:
                categories[holder.title_start] = _section_category(holder, doc, text)
            category, scope_end = categories[holder.title_start]
            section = None if scope_end <= start else category
            if section in rules.not_diagnosis and sent.start > holder.title_start and _starts_field(tokens, sent):
                # "Anesthesia: MAC" then "Preop dx: L1 osteoporotic fracture": a field the section
                # rules do not know ends the one before it, as it does for the procedure's reading.
                ended = sent.start
            if ended is not None and holder is index.of(ended):
                section = None
            else:
                ended = None
            self.starts.append(start)
            self.ends.append(end)
            self.sections.append(section)
            self.levels.append(levels_of.get(sent.start, ()))
        risky = [_risk_sentence(rules, text[a:b]) for a, b in zip(self.starts, self.ends, strict=True)]
        self.not_risk = [not r for r in risky]
        self.diagnostic = [s not in rules.not_diagnosis and not r for s, r in zip(self.sections, risky, strict=True)]
        self.checked = [s != "other" or not r for s, r in zip(self.sections, risky, strict=True)]

    def lower_of(self, k: int) -> str:
        return self.lower[self.starts[k] : self.ends[k]]

    def matches(self, regex: re.Pattern) -> list[tuple[int, re.Match]]:
        """(sentence, match) of every match of `lowered(...)` `regex` in the folded lower case,
        inside one sentence, in order, as scanning each sentence alone finds them: a match running
        over a sentence's end has those sentences scanned on their own."""
        found: list[tuple[int, re.Match]] = []
        rescan: set[int] = set()
        for match in regex.finditer(self.lower):
            a, b = match.span()
            k = bisect_right(self.starts, a) - 1
            if k < 0 or a >= self.ends[k]:
                continue  # between sentences (white space)
            if b > self.ends[k] or (a == b and a == self.ends[k]):
                rescan.update(range(k, bisect_right(self.starts, b)))
                continue
            found.append((k, match))
        if rescan:
            found = [(k, m) for k, m in found if k not in rescan]
            for k in sorted(rescan):
                if k < len(self.starts):
                    found += [(k, m) for m in regex.finditer(self.lower, self.starts[k], self.ends[k])]
            found.sort(key=lambda item: (item[0], item[1].start()))
        return found


def _mentions(rules: _Rules, rows, sentences: _Sentences, allowed: list[bool], label: str) -> list[Mention]:
    """Each row's matches in the allowed sentences, a span claimed by an earlier row kept from
    later ones ("steroid-induced osteoporosis" is not also "osteoporosis"), in the note's order."""
    found: list[Mention] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        if not any(word in sentences.lower for word in row.requires):
            continue
        kind, companion = row.kind, row.companion
        companions: dict[int, bool] = {}
        for k, match in sentences.matches(row.regex):
            if not allowed[k]:
                continue
            if companion is not None:
                if k not in companions:
                    companions[k] = companion.search(sentences.lower_of(k)) is not None
                if not companions[k]:
                    continue
            a, b = match.span()
            claimed = taken.setdefault(k, [])
            if a == b or any(a < y and x < b for x, y in claimed):
                continue
            claimed.append((a, b))
            offset = sentences.starts[k]
            certainty = _certainty(rules, sentences.lower_of(k), a - offset, b - offset)
            evidence = Evidence(a, b, sentences.text[a:b], label)
            found.append(Mention(kind, evidence, sentences.levels[k], certainty, sentences.sections[k], offset))
    found.sort(key=lambda m: m.evidence.start)
    return found


def _certainty(rules: _Rules, sentence: str, start: int, end: int) -> str:
    """How the clause holding the phrase states it, from the few words before it and after it
    (`sentence` in the folded lower case the rules match)."""
    clause_start = 0
    for match in rules.clause.finditer(sentence, 0, start):
        clause_start = match.end()
    words = sentence[clause_start:start].split()
    before = " ".join(words[-rules.max_words :])
    after = sentence[end:]
    # "[ ] Trauma (high energy)": an empty box denies what follows it on its line, brackets and all.
    line = sentence[sentence.rfind("\n", 0, start) + 1 : start]
    if rules.negated.search(before) or rules.negated_after.search(after) or rules.unticked.search(line):
        return "negated"
    if rules.uncertain.search(before) or rules.uncertain_after.search(after):
        return "uncertain"
    if rules.past.search(before):
        return "past"
    return "certain"


def _starts_field(tokens: NoteTokens, sent: Span) -> bool:
    first = tokens.first_word(sent.start, sent.end)
    if first is None or not tokens.line_start[first]:
        return False
    return tokens.field_label_end(first) is not None or tokens.is_heading_line(first, sent.end)


def _risk_sentence(rules: _Rules, sentence: str) -> bool:
    """A consent's list of risks names infection and fracture as what might happen; "a lesion at
    high risk of collapse" (`not_a_risk`) names a risk of the disease, not of the procedure."""
    return rules.risk_sentence.search(rules.not_a_risk.sub(" ", sentence.lower())) is not None


def _pain_score(match: re.Match, text: str, *, label: str) -> list[tuple[int, Evidence]]:
    value = match.group(1) or match.group(2)
    if value is None or int(value) > 10:
        return []
    return [(int(value), Evidence(match.start(), match.end(), text[match.start() : match.end()], label))]


def _sentence_levels(doc: Doc, sentence_starts: list[int]) -> dict[int, tuple[str, ...]]:
    """The vertebral levels each sentence names (by its first token), in the order written."""
    out: dict[int, list[str]] = {}
    for ent in doc.ents:
        if ent.label_ != "LEVEL":
            continue
        # Entities lie within a sentence: the sentence holding one starts at or before its start.
        names = out.setdefault(sentence_starts[bisect_right(sentence_starts, ent.start) - 1], [])
        try:
            parsed = level_names.parse(ent.text)
        except level_names.LevelError:
            continue  # "T21": the reading flags it (level-unreadable); it names no level here
        for level in parsed:
            if level not in names:
                names.append(level)
    return {start: tuple(names) for start, names in out.items()}


def _section_category(section, doc: Doc, text: str) -> tuple[str | None, int]:
    """(category, where it ends) of a medspaCy section: the category of patterns/sections.json,
    a postoperative diagnosis "diagnosis-post", a family history "family-history", since both
    read differently; a field that ends at its line or paragraph ("Anesthesia: MAC") holds nothing
    from its end on ("Preop dx: ..."), which is read as before the first title."""
    rule = getattr(section, "rule", None)
    if rule is None:
        return None, len(text) + 1
    metadata = rule.metadata
    title = " ".join(doc[section.title_start : section.title_end].text.lower().split())
    if "headings" in metadata:
        metadata = metadata["headings"].get(title, {})
    scope = metadata.get("scope", "section")
    body = doc[section.body_start].idx if section.body_start < len(doc) else len(text)
    # A one-line field ("Anesthesia: general endotracheal") ends at its line here, full stop or not.
    ends = {"line": _LINE_END, "paragraph": FIELD_END["paragraph"]}.get(scope)
    found = ends.search(text, body) if ends is not None else None
    scope_end = found.end() if found is not None else len(text) + 1
    category = metadata.get("category", rule.category)
    if category == "diagnosis" and title.startswith("post"):
        return "diagnosis-post", scope_end
    if category == "history" and "family" in title:
        return "family-history", scope_end
    return category, scope_end
