"""Reading what a claim needs beyond the CPT codes: causes of fractures, coverage elements, dates.

The words are data (patterns/claims/reading.json); the rules that turn them into ICD-10-CM codes
and a coverage checklist are plain Python in vertcode.claims, which never sees spaCy.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from vertcode import levels as level_names
from vertcode.claim_model import ClaimText, Mention
from vertcode.model import Evidence
from vertcode.nlp.errors import require_before
from vertcode.nlp.reading.layout import FIELD_END
from vertcode.nlp.saving import rules_from_bytes, rules_from_disk, rules_to_bytes, rules_to_disk
from vertcode.nlp.sections import SectionIndex
from vertcode.nlp.sentences import at_line_start, field_label_end, is_heading_line
from vertcode.nlp.tokenizer import note_text

REQUIRES = ("vertcode_sentences", "vertcode_sections", "vertcode_regex_ruler", "vertcode_findings")

#: Sections whose words are never the patient's diagnosis: consent lists the risks ("infection,
#: fracture, tumour seeding"), complications what did not happen, the plan what may.
_NOT_DIAGNOSIS = frozenset({"other", "plan", "family-history"})
_LINE_END = re.compile(r"\n")
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for name in names
}


@dataclass(frozen=True)
class _Rules:
    """reading.json compiled: each list a tuple of (kind, regex, optional companion regex)."""

    causes: tuple[tuple[str, re.Pattern, re.Pattern | None], ...]
    fracture: tuple[tuple[str, re.Pattern, re.Pattern | None], ...]
    checklist: tuple[tuple[str, re.Pattern, re.Pattern | None], ...]
    red_flags: tuple[tuple[str, re.Pattern, re.Pattern | None], ...]
    negated: re.Pattern
    uncertain: re.Pattern
    uncertain_after: re.Pattern
    negated_after: re.Pattern
    past: re.Pattern
    clause: re.Pattern
    max_words: int
    pain_score: re.Pattern
    hospitalized: re.Pattern
    after_procedure: re.Pattern
    dos: re.Pattern
    date: re.Pattern

    @classmethod
    def compile(cls, data: dict) -> "_Rules":
        def rows(key: str) -> tuple[tuple[str, re.Pattern, re.Pattern | None], ...]:
            name = "element" if key == "checklist" else "id"
            return tuple(
                (row[name], re.compile(row["regex"], re.I), re.compile(row["with"], re.I) if "with" in row else None)
                for row in data[key]
            )

        certainty = data["certainty"]
        dos = data["date_of_service"]
        return cls(
            causes=rows("causes"),
            fracture=rows("fracture"),
            checklist=rows("checklist"),
            red_flags=rows("red_flags"),
            negated=re.compile(certainty["negated"], re.I),
            uncertain=re.compile(certainty["uncertain"], re.I),
            uncertain_after=re.compile(certainty["uncertain_after"], re.I),
            negated_after=re.compile(certainty["negated_after"], re.I),
            past=re.compile(certainty["past"], re.I),
            clause=re.compile(certainty["clause"], re.I),
            max_words=certainty["max_words"],
            pain_score=re.compile(data["pain_score"], re.I),
            hospitalized=re.compile(data["hospitalized"], re.I),
            after_procedure=re.compile(data["after_procedure"], re.I),
            dos=re.compile(rf"(?im)^[ \t]*{dos['label']}[ \t]*[:#-]?[ \t]*(?:{dos['date']})"),
            date=re.compile(dos["date"], re.I),
        )


@Language.factory("vertcode_claim_reader")
class ClaimReader:
    """Reads the causes and types of the note's fractures, the coverage checklist's elements,
    pain scores and the date of service, each phrase with the levels of its sentence and its
    certainty (negated, uncertain, past: the words before it in its clause say).

    Reads: sentences, `doc._.sections`, LEVEL entities, `doc._.extraction`. Writes
    `doc._.extraction.claim_text` (a `vertcode.model.ClaimText`), only for a note that documents
    work at a level or a biopsy: a note that codes nothing has no claim. `set_rules` gives it
    patterns/claims/reading.json as loaded by `vertcode.patterns.load_claim_reading`.
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
    index = SectionIndex(doc)
    levels_of = _sentence_levels(doc)
    ended: int | None = None  # where a field ended the excluded section holding it
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        if start == end or text[start:end].isspace():
            continue
        section = _section_category(index.of(sent.start), doc, text, start)
        if section in _NOT_DIAGNOSIS and sent.start > index.of(sent.start).title_start and _starts_field(sent):
            # "Anesthesia: MAC" then "Preop dx: L1 osteoporotic fracture": a field the section
            # rules do not know ends the one before it, as it does for the procedure's reading.
            ended = sent.start
        if ended is not None and index.of(sent.start) is index.of(ended):
            section = None
        else:
            ended = None
        levels = levels_of.get(sent.start, ())
        sentence = text[start:end]
        if section not in _NOT_DIAGNOSIS and not _risk_sentence(sentence):
            out.causes += _mentions(rules, rules.causes, sentence, start, levels, section, "CAUSE")
            out.fractures += _mentions(rules, rules.fracture, sentence, start, levels, section, "FRACTURE")
        if section != "other" or not _risk_sentence(sentence):
            out.elements += _mentions(rules, rules.checklist, sentence, start, levels, section, "ELEMENT")
        if not _risk_sentence(sentence):
            out.red_flags += _mentions(rules, rules.red_flags, sentence, start, levels, section, "RED_FLAG")
        if not rules.after_procedure.search(sentence):
            out.pain_scores += _pain_scores(rules, sentence, start)
        for match in rules.hospitalized.finditer(sentence):
            if _certainty(rules, sentence, match.start(), match.end()) == "certain":
                out.hospitalized.append(_evidence(match, start, "HOSPITALIZED"))
    out.date_of_service = date_of_service(text, rules)
    return out


def _mentions(rules: _Rules, rows, sentence: str, offset: int, levels, section, label: str) -> list[Mention]:
    """Each row's matches in the sentence, a span claimed by an earlier row kept from later ones
    ("steroid-induced osteoporosis" is not also "osteoporosis")."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for kind, regex, companion in rows:
        if companion is not None and not companion.search(sentence):
            continue
        for match in regex.finditer(sentence):
            a, b = match.span()
            if a == b or any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            certainty = _certainty(rules, sentence, a, b)
            found.append(Mention(kind, _evidence(match, offset, label), tuple(levels), certainty, section, offset))
    found.sort(key=lambda m: m.evidence.start)
    return found


def _certainty(rules: _Rules, sentence: str, start: int, end: int) -> str:
    """How the clause holding the phrase states it, from the few words before it and after it."""
    clause_start = 0
    for match in rules.clause.finditer(sentence, 0, start):
        clause_start = match.end()
    words = sentence[clause_start:start].split()
    before = " ".join(words[-rules.max_words :])
    after = sentence[end:]
    if rules.negated.search(before) or rules.negated_after.search(after):
        return "negated"
    if rules.uncertain.search(before) or rules.uncertain_after.search(after):
        return "uncertain"
    if rules.past.search(before):
        return "past"
    return "certain"


def _starts_field(sent: Span) -> bool:
    first = next((t for t in sent if not t.is_space), None)
    if first is None or not at_line_start(first):
        return False
    return field_label_end(sent.doc, first.i) is not None or is_heading_line(sent)


def _risk_sentence(sentence: str) -> bool:
    """A consent's list of risks names infection and fracture as what might happen."""
    lowered = sentence.lower()
    return "risk" in lowered or "consent" in lowered or "complication" in lowered


def _pain_scores(rules: _Rules, sentence: str, offset: int) -> list[tuple[int, Evidence]]:
    scores = []
    for match in rules.pain_score.finditer(sentence):
        value = match.group(1) or match.group(2)
        if value is None or int(value) > 10:
            continue
        scores.append((int(value), _evidence(match, offset, "PAIN_SCORE")))
    return scores


def date_of_service(text: str, rules: _Rules) -> tuple[str, Evidence] | None:
    """The first labelled date ("Date of service: 03/14/2026", "DOS 14 Mar 2026") that is a
    real calendar date, as ISO; None when the note labels none."""
    for match in rules.dos.finditer(text):
        found = rules.date.search(text, match.start(), match.end())
        if found is None:
            continue
        day = _calendar_date(found.groups())
        if day is not None:
            return day.isoformat(), Evidence(found.start(), found.end(), found.group(0), "DATE_OF_SERVICE")
    return None


def _calendar_date(groups: tuple) -> date | None:
    iso_y, iso_m, iso_d, us_m, us_d, us_y, eu_d, eu_mon, eu_y, mon, mon_d, mon_y = groups
    try:
        if iso_y:
            return date(int(iso_y), int(iso_m), int(iso_d))
        if us_m:
            year = int(us_y) + (2000 if len(us_y) == 2 else 0)
            return date(year, int(us_m), int(us_d))
        if eu_d:
            month = _MONTHS.get(eu_mon.lower())
            return date(int(eu_y), month, int(eu_d)) if month else None
        if mon:
            month = _MONTHS.get(mon.lower())
            return date(int(mon_y), month, int(mon_d)) if month else None
    except ValueError:  # 02/30/2026: written like a date, no such day
        return None
    return None


def _evidence(match: re.Match, offset: int, label: str) -> Evidence:
    return Evidence(offset + match.start(), offset + match.end(), match.group(0), label)


def _sentence_levels(doc: Doc) -> dict[int, tuple[str, ...]]:
    """The vertebral levels each sentence names (by its first token), in the order written."""
    out: dict[int, list[str]] = {}
    for ent in doc.ents:
        if ent.label_ != "LEVEL":
            continue
        sent: Span = ent.sent
        names = out.setdefault(sent.start, [])
        try:
            parsed = level_names.parse(ent.text)
        except level_names.LevelError:
            continue  # "T21": the reading flags it (level-unreadable); it names no level here
        for level in parsed:
            if level not in names:
                names.append(level)
    return {start: tuple(names) for start, names in out.items()}


def _section_category(section, doc: Doc, text: str, at: int) -> str | None:
    """The category (patterns/sections.json) of the medspaCy section holding offset `at`; a
    postoperative diagnosis is "diagnosis-post", a family history "family-history", since both
    read differently. A field that ends at its line or paragraph ("Anesthesia: MAC") no longer
    holds what follows it ("Preop dx: ..."): None there, as before the first title."""
    rule = getattr(section, "rule", None)
    if rule is None:
        return None
    metadata = rule.metadata
    title = " ".join(doc[section.title_start : section.title_end].text.lower().split())
    if "headings" in metadata:
        metadata = metadata["headings"].get(title, {})
    scope = metadata.get("scope", "section")
    body = doc[section.body_start].idx if section.body_start < len(doc) else len(text)
    # A one-line field ("Anesthesia: general endotracheal") ends at its line here, full stop or not.
    ends = {"line": _LINE_END, "paragraph": FIELD_END["paragraph"]}.get(scope)
    if ends is not None and ends.search(text, body, at):
        return None
    category = metadata.get("category", rule.category)
    if category == "diagnosis" and title.startswith("post"):
        return "diagnosis-post"
    if category == "history" and "family" in title:
        return "family-history"
    return category
