"""The last stage of the pipeline: one finding per vertebral body (vertcode.nlp.reading)."""

from spacy.language import Language
from spacy.tokens import Doc

from vertcode.nlp.reading import read


@Language.factory("vertcode_findings")
class FindingsBuilder:
    """Turns a note's labelled spans into one finding per vertebral body.

    Reads: `doc.ents` (labels from patterns/terms.jsonl and patterns/levels.jsonl), the ConText
    graph `doc._.context_graph` and `doc._.sections`. Writes: `doc._.extraction`, a
    `vertcode.model.Extraction`.
    """

    def __init__(self, nlp: Language, name: str = "vertcode_findings"):
        self.name = name
        if not Doc.has_extension("extraction"):
            Doc.set_extension("extraction", default=None)

    def __call__(self, doc: Doc) -> Doc:
        doc._.extraction = read(doc)
        return doc
