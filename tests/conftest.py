import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
NOTES = CORPUS / "notes"

#: The command line as a user runs it: the console script of the Python running the tests (so
#: `make test-pythons` runs each version's own), else the module.
_SCRIPT = Path(sys.executable).parent / "vertcode"
VERTCODE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "vertcode"]


@pytest.fixture(scope="session")
def coder():
    from vertcode.run.coder import Coder

    return Coder()


@pytest.fixture(scope="session")
def code(coder):
    """Code a text and return the result."""
    return lambda text, name="-": coder.code_text(text, name)


def codes(result):
    """{code: units} of a result, as gold is written."""
    return result.code_units()


def kinds(result):
    """The kinds of a result's flags, sorted."""
    return sorted(f.kind for f in result.flags)
