"""The last stage of the pipeline: one finding per vertebral body (vertcode.nlp.reading)."""

from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from vertcode.model import Evidence, Extraction
from vertcode.nlp.bounded_context import NOT_OURS, UNREAD
from vertcode.nlp.errors import require_before
from vertcode.nlp.reading import ReadingRules, read
from vertcode.nlp.reading.encounter import EncounterRules
from vertcode.nlp.reading.events import Corrections
from vertcode.nlp.saving import rules_from_bytes, rules_from_disk, rules_to_bytes, rules_to_disk
from vertcode.nlp.tokenizer import note_text

#: What the reading reads: sentences and sections, levels and the vocabulary's terms, the ConText graph.
REQUIRES = ("vertcode_sentences", "vertcode_sections", "vertcode_regex_ruler", "span_ruler", "vertcode_context")


@Language.factory("vertcode_findings")
class FindingsBuilder:
    """Turns a note's labelled spans into one finding per vertebral body.

    Reads: `doc.ents` (labels from patterns/terms.jsonl and patterns/levels.jsonl), the ConText
    graph `doc._.context_graph` and `doc._.sections`. Writes: `doc._.extraction`, a
    `vertcode.model.Extraction`. `set_rules` gives it the line rules of patterns/encounter.json,
    which decide whether the note documents a procedure done in this encounter, and those of
    patterns/corrections.json ("L1, not T12").
    """

    def __init__(self, nlp: Language, name: str = "vertcode_findings"):
        self.nlp = nlp
        self.name = name
        self.set_rules({}, {})
        if not Doc.has_extension("extraction"):
            Doc.set_extension("extraction", default=None)

    def set_rules(self, encounter: dict[str, list[dict]], corrections: dict[str, list[dict]]) -> None:
        self.given = {"encounter": encounter, "corrections": corrections}
        self.rules = ReadingRules(EncounterRules(encounter), Corrections(corrections))

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        rules_to_disk(path, self.given)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "FindingsBuilder":
        self.set_rules(**rules_from_disk(path))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return rules_to_bytes(self.given)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "FindingsBuilder":
        self.set_rules(**rules_from_bytes(data))
        return self

    def __call__(self, doc: Doc) -> Doc:
        require_before(self.nlp, self.name, REQUIRES)
        if doc.user_data.get(NOT_OURS):
            doc._.extraction = Extraction()  # what reading it would give the coding rules: nothing
            return doc
        doc._.extraction = read(doc, self.rules)
        if UNREAD in doc.user_data:
            start = doc.user_data[UNREAD]
            text = note_text(doc)
            # The first words not read, to the end of their line, as a coder finds them.
            line_end = text.find("\n", start + 1)
            end = min(start + 60, len(text) if line_end < 0 else line_end)
            doc._.extraction.unread = Evidence(start, end, text[start:end], "UNREAD")
        return doc
