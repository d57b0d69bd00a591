"""The package's rooms: each stage imports only the stages below it, and nothing imports in a circle."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vertcode"
BASE = {
    "model",
    "claim_model",
    "claim_patterns",
    "pattern_checks",
    "evidence",
    "levels",
    "patterns",
    "rules",
    "version",
}
#: What each stage may import from vertcode, besides itself and the base modules.
ALLOWED = {
    "base": set(),
    "read": set(),
    "nlp": set(),
    "coding": set(),
    "claims": set(),
    "write": set(),
    "run": {"read", "nlp", "coding", "claims", "write"},
    "workbench": {"run", "read", "nlp", "coding", "claims", "write"},
    "cli": {"run", "read", "nlp", "coding", "claims", "write", "workbench"},
    "__main__": {"cli"},
    "__init__": {"read", "run"},
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return "base" if parts[1] in BASE else parts[1]


def _imports(path: Path) -> set[str]:
    """Every vertcode module a file imports, at its top or inside a function."""
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            # "from vertcode import patterns" imports the module vertcode.patterns, not vertcode.
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in modules else node.module)
    return {name for name in found if name in modules}


GRAPH = {_module(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_stage_imports_only_the_stages_below_it(module):
    stage = _stage(module)
    upward = {
        name
        for name in GRAPH[module]
        if _stage(name) not in {stage, "base", "__init__"} | ALLOWED[stage]
        or (_stage(name) == "__init__" and name == "vertcode" and module != "vertcode")
    }
    assert not upward, f"{module} ({stage}) imports {sorted(upward)}"


def test_no_module_imports_in_a_circle():
    # A package's __init__ importing its own modules is how a package exposes them, not a cycle.
    edges = {m: {n for n in deps if not m.startswith(n + ".")} for m, deps in GRAPH.items()}
    visiting, done, cycles = set(), set(), []

    def visit(module, path):
        if module in done:
            return
        if module in visiting:
            cycles.append(path[path.index(module) :] + [module])
            return
        visiting.add(module)
        for name in sorted(edges.get(module, ())):
            visit(name, path + [module])
        visiting.discard(module)
        done.add(module)

    for module in sorted(edges):
        visit(module, [])
    assert not cycles


def test_every_module_is_small_enough_to_hold_in_the_head():
    sizes = {
        p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert max(sizes.values()) < 400, {name: n for name, n in sizes.items() if n >= 400}


def test_every_stage_says_what_comes_in_and_what_goes_out():
    for package in [p for p in PACKAGE.iterdir() if (p / "__init__.py").exists()]:
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, f"{package.name}/__init__.py needs a docstring"


@pytest.mark.parametrize("module", ["vertcode", "vertcode.coding", "vertcode.model", "vertcode.read.files"])
def test_importing_the_api_and_the_coding_rules_imports_no_spacy(module):
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'spacy'))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_public_api_codes_a_text_a_file_and_a_stream(tmp_path):
    import vertcode

    text = "Vertebroplasty at T7: 3 mL PMMA injected through an 11-gauge needle under fluoroscopy."
    assert vertcode.code_text(text).code_units() == {"22510": 1}
    note = tmp_path / "op.txt"
    note.write_text(text, encoding="utf-8")
    (result,) = vertcode.code_file(note)
    assert result.note == str(note) and result.code_units() == {"22510": 1}
    streamed = list(vertcode.code_stream([("a", text), (7, "Clinic visit, back pain.")]))
    assert [(r.id, r.code_units()) for r in streamed] == [("a", {"22510": 1}), (7, {})]
