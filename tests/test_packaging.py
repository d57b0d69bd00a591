"""The package as a user gets it: the built wheel, installed the README's lean way in a fresh venv.

Building and installing takes about a minute (pip's cache keeps the downloads); `-m "not packaging"`
leaves these tests out of a quick run.
"""

import json
import os
import pickle
import re
import shlex
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from typer.testing import CliRunner

import vertcode
from vertcode import version
from vertcode.cli import app

from conftest import CORPUS, NOTES, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
# What vertcode uses of these two is spaCy code alone; their other requirements stay out.
NO_DEPS = {"medspacy", "scispacy"}
HEAVY = {"scipy", "scikit-learn", "nltk", "pytest", "nmslib-metabrainz", "medspacy-quickumls", "pyrush"}


def _lean_section() -> str:
    return README.split("### The lean install", 1)[1].split("\n#", 1)[0]


def lean_commands() -> list[list[str]]:
    """The README's lean install, one argument list per `pip install` line."""
    return [shlex.split(line) for line in re.findall(r"(?m)^ {4}(pip install .+)$", _lean_section())]


def lean_figures() -> tuple[int, int]:
    """(packages, MB) the README states for the lean install on this Python."""
    minor = sys.version_info.minor
    found = re.search(rf"(?m)^\| 3\.{minor} \| (\d+) packages, (\d+) MB", _lean_section())
    assert found, f"the README states the lean install's package count and size on Python 3.{minor}"
    return int(found.group(1)), int(found.group(2))


def run(*args, cwd=None) -> str:
    """A command's standard output; the installed package alone, never this checkout, is imported."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    done = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=env)
    assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
    return done.stdout


def _name(requirement: str) -> str:
    return re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_version_flag_prints_the_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"vertcode {vertcode.__version__}\n"
    assert vertcode.__version__ == metadata.version("vertcode")


def test_a_source_checkout_never_installed_says_so(monkeypatch):
    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    declared = re.search(r'(?m)^version = "(.+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert version._version() == f"{declared}+source"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", out, ROOT)
    (built,) = out.glob("vertcode-*.whl")
    return built


def test_the_wheel_carries_patterns_license_type_hints_and_coding_rules(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (info,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        assert "vertcode/py.typed" in names
        assert archive.read("vertcode/docs/coding-rules.md") == (ROOT / "vertcode/docs/coding-rules.md").read_bytes()
        license_text = archive.read(f"{info}/licenses/LICENSE").decode()
        meta = archive.read(f"{info}/METADATA").decode()
        for pattern in (ROOT / "patterns").rglob("*"):
            if pattern.is_file():  # the claim tables of patterns/claims/ too
                name = pattern.relative_to(ROOT / "patterns").as_posix()
                assert archive.read(f"vertcode/patterns/{name}") == pattern.read_bytes()
    assert license_text.startswith("MIT License") and "the vertcode authors" in license_text
    assert "License-Expression: MIT" in meta
    requires = dict(
        (_name(line), line) for line in re.findall(r"(?m)^Requires-Dist: (.+)$", meta) if "extra ==" not in line
    )
    assert re.search(r"<\d", requires["typer"]), "typer is bounded to the minors tested"
    assert "rich" in requires, "cli.py imports rich"
    python = re.search(r"(?m)^Requires-Python: (.+)$", meta).group(1)
    for minor in re.findall(r"3\.(\d+)", README.split("Python versions:", 1)[1].split("(", 1)[0]):
        assert f"Programming Language :: Python :: 3.{minor}" in meta
    assert set(python.split(",")) == {">=3.10", "<3.13"}


def test_the_lean_install_is_the_metadata_less_two_packages_requirements(wheel):
    """The README's second line installs exactly what vertcode requires besides medspaCy and
    scispacy, so the lean install cannot drift from the metadata."""
    with zipfile.ZipFile(wheel) as archive:
        (meta,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = re.findall(r"(?m)^Requires-Dist: (.+)$", archive.read(meta).decode())
    first, second = lean_commands()
    assert first[:3] == ["pip", "install", "--no-deps"] and {_name(a) for a in first[3:]} == {"vertcode"} | NO_DEPS
    own = {str(Requirement(r)) for r in requires if "extra ==" not in r and _name(r) not in NO_DEPS}
    assert second[:2] == ["pip", "install"] and {str(Requirement(a)) for a in second[2:]} == own


@pytest.fixture(scope="module")
def lean_venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv (no pip of its own, so it holds only what the install adds), installed with
    the README's lean commands, the built wheel standing for `vertcode`."""
    venv = tmp_path_factory.mktemp("lean") / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    for command in lean_commands():
        args = [str(wheel) if a == "vertcode" else a for a in command[2:]]
        run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", *args)
    return venv


def _site_packages(venv: Path) -> Path:
    (site,) = venv.glob("lib/python3.*/site-packages")
    return site


@pytest.mark.packaging
def test_the_installed_wheel_codes_a_note_with_its_own_patterns(lean_venv, tmp_path):
    bin_dir = lean_venv / "bin"
    assert run(bin_dir / "vertcode", "--version") == f"vertcode {metadata.version('vertcode')}\n"
    where = run(
        bin_dir / "python", "-c", "from vertcode.patterns import default_dir; print(default_dir())", cwd=tmp_path
    )
    assert Path(where.strip()) == _site_packages(lean_venv) / "vertcode" / "patterns"
    coded = run(bin_dir / "vertcode", "code", NOTES / "seed-01.txt", "--format", "json", cwd=tmp_path)
    gold = next(g for g in map(json.loads, (CORPUS / "gold.jsonl").open()) if g["note"] == "seed-01.txt")
    result = json.loads(coded)
    # One note's JSON is an object today and may become a one-item list (one shape always).
    result = result[0] if isinstance(result, list) else result
    assert {c["code"]: c["units"] for c in result["codes"]} == gold["codes"]
    assert result["flags"] == [] == gold["flags"]


@pytest.mark.packaging
def test_the_lean_install_is_as_small_as_the_readme_says(lean_venv):
    site = _site_packages(lean_venv)
    installed = {p.name.split("-")[0].lower().replace("_", "-") for p in site.glob("*.dist-info")}
    assert not installed & HEAVY
    packages, megabytes = lean_figures()
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    # Newer releases of the packages differ a little from the README's day.
    assert len(installed) <= packages + 3, sorted(installed)
    assert size <= megabytes * 1.15


#: A pipeline saved, then loaded by spaCy alone: the loading process imports no vertcode before
#: `spacy.load()`, so only the installed entry points can find the components and the language.
SAVED_PIPELINE = """
import pickle, sys
from pathlib import Path
out, pipeline, notes = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
if out.name == "saved.pkl":
    from vertcode.nlp.pipeline import build
    nlp = build()
    nlp.to_disk(pipeline)
else:
    import spacy
    nlp = spacy.load(pipeline)
from vertcode.coding import code_note
from vertcode.nlp.tokenizer import note_text
from vertcode.patterns import load_descriptions
descriptions = load_descriptions()
read = []
for name in notes:
    text = Path(name).read_text(encoding="utf-8")
    doc = nlp(text)
    assert note_text(doc) == text
    read.append(([t.text for t in doc], doc._.extraction, code_note(doc._.extraction, descriptions)))
pickle.dump((type(nlp).__name__, list(nlp.pipe_names), read), out.open("wb"))
"""


@pytest.mark.packaging
def test_a_saved_pipeline_loads_with_spacy_alone_in_a_fresh_process(lean_venv, tmp_path):
    """nlp.to_disk() then spacy.load() in another process: the same language, components, tokens,
    `doc._.extraction` and codes on twenty corpus notes of every kind."""
    script = tmp_path / "saved_pipeline.py"
    script.write_text(SAVED_PIPELINE, encoding="utf-8")
    every = sorted(NOTES.glob("*.txt"))
    notes = [str(p) for p in every[:: len(every) // 20]][:20]  # twenty notes from across the corpus
    python, pipeline = lean_venv / "bin" / "python", tmp_path / "pipeline"
    for out in ("saved.pkl", "loaded.pkl"):
        run(python, script, tmp_path / out, pipeline, *notes, cwd=tmp_path)
    saved, loaded = (pickle.loads((tmp_path / out).read_bytes()) for out in ("saved.pkl", "loaded.pkl"))
    assert saved[:2] == loaded[:2] and saved[0] == "ClinicalEnglish"
    for name, before, after in zip(notes, saved[2], loaded[2], strict=True):
        assert before == after, name
