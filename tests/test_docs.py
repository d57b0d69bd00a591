"""What the documentation tells a user to open exists: a rule file renamed or moved leaves no
README or rules document pointing at nothing (the diagnosis rules once named a
`diagnosis_terms.json` that was never shipped)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted(ROOT.glob("patterns/**/*.md")), *sorted(ROOT.glob("vertcode/docs/*.md"))]
#: A file of the project written in backticks ("`patterns/claims/reading.json`",
#: "`vertcode/levels.py:parse`"); outputs a run writes (corpus/…) and schema names are not files here.
NAMED = re.compile(r"`((?:patterns|vertcode|tests|bench)/[\w./-]+\.(?:py|json|jsonl|md|txt|tsv|gz))(?::\w+)?`")


def test_every_project_file_the_documents_name_exists():
    missing = [
        f"{doc.relative_to(ROOT)}: {match[1]}"
        for doc in DOCS
        for match in NAMED.finditer(doc.read_text(encoding="utf-8"))
        if not (ROOT / match[1]).exists()
    ]
    assert DOCS[0].name == "README.md" and len(DOCS) > 2
    assert not missing, missing
