from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
NOTES = CORPUS / "notes"


@pytest.fixture(scope="session")
def coder():
    from vertcode.run.coder import Coder

    return Coder()


@pytest.fixture(scope="session")
def code(coder):
    """Code a text and return the result."""
    return lambda text, name="-": coder.code_text(text, name)
