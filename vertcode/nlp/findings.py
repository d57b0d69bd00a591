"""The last stage of the pipeline: one finding per vertebral body (vertcode.nlp.reading)."""

from spacy.language import Language
from spacy.tokens import Doc

from vertcode.model import Evidence, Extraction
from vertcode.nlp.bounded_context import NOT_OURS, UNREAD
from vertcode.nlp.reading import ReadingRules, read
from vertcode.nlp.reading.encounter import EncounterRules
from vertcode.nlp.reading.events import Corrections
from vertcode.nlp.tokenizer import note_text


@Language.factory("vertcode_findings", default_config={"encounter": {}, "corrections": {}})
class FindingsBuilder:
    """Turns a note's labelled spans into one finding per vertebral body.

    Reads: `doc.ents` (labels from patterns/terms.jsonl and patterns/levels.jsonl), the ConText
    graph `doc._.context_graph` and `doc._.sections`. Writes: `doc._.extraction`, a
    `vertcode.model.Extraction`. `encounter` holds the line rules of patterns/encounter.json,
    which decide whether the note documents a procedure done in this encounter; `corrections`
    those of patterns/corrections.json ("L1, not T12").
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "vertcode_findings",
        *,
        encounter: dict[str, list[dict]],
        corrections: dict[str, list[dict]],
    ):
        self.name = name
        self.rules = ReadingRules(EncounterRules(encounter), Corrections(corrections))
        if not Doc.has_extension("extraction"):
            Doc.set_extension("extraction", default=None)

    def __call__(self, doc: Doc) -> Doc:
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
