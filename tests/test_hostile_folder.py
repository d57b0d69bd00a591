"""Issue 18, all at once: a folder of every hostile input beside good notes. The batch codes every
good note, reports every bad one by name, exits 1, prints no traceback and no note text, and
writes a page for every note it read."""

import json
import os
import subprocess

from conftest import NOTES, VERTCODE
from test_hostile_read import SECRET, docx_with_body, leaky_documents, paragraph

GOOD = {"seed-01.txt": {"22510": 1}, "seed-04.txt": {"22513": 1, "22515": 2}, "seed-03.txt": None}


def test_a_folder_of_every_hostile_input_beside_good_notes(tmp_path):
    notes = tmp_path / "export"
    notes.mkdir()
    for name in GOOD:
        (notes / name).write_text((NOTES / name).read_text(encoding="utf-8"), encoding="utf-8")
    bad = {
        "fifo.txt": "is a named pipe (FIFO), not a note file",
        "zero.txt": "is a character device, not a note file",
        "strings.json": "not a readable fhir file (AttributeError)",
        "bomb.docx": "this docx file unpacks to",
        "huge.txt": "270,000 bytes is over the 200,000-byte limit for one note",
    }
    os.mkfifo(notes / "fifo.txt")
    (notes / "zero.txt").symlink_to("/dev/zero")
    (notes / "strings.json").write_text(json.dumps({"resourceType": "Bundle", "entry": ["a", "b"]}))
    docx_with_body(notes / "bomb.docx", paragraph("T7 balloon kyphoplasty, cement injected. " * 4) * 80_000)
    (notes / "huge.txt").write_text("log line\n" * 30_000)
    # Read, but hostile: text that sends a tokenizer quadratic, a name that is not UTF-8 and one
    # longer than a page name may be, documents whose libraries log their text, nested JSON.
    (notes / "parens.txt").write_text(")" * 40_000 + " T7 kyphoplasty balloon")
    (notes / os.fsdecode(b"caf\xe9.txt")).write_text((NOTES / "seed-01.txt").read_text(encoding="utf-8"))
    (notes / ("n" * 240 + ".txt")).write_text((NOTES / "seed-01.txt").read_text(encoding="utf-8"))
    (notes / "deep.json").write_text('{"resourceType": "Bundle", "entry": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (notes / "bad.rtf").write_text("{\\rtf1\\ansi T7 vertebroplasty \\u99999999 done}")
    (notes / "cdata.html").write_text("<html><body><![CDAT T7 vertebroplasty</body></html>")
    leaky = [path.name for path in leaky_documents(notes)]

    out, pages = tmp_path / "out.jsonl", tmp_path / "pages"
    run = subprocess.run(
        [*VERTCODE, "batch", str(notes), "--out", str(out), "--html-dir", str(pages), "--max-bytes", "200000"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert SECRET not in run.stderr and "Bilateral transpedicular" not in run.stderr  # no note text
    results = {os.path.basename(json.loads(line)["note"].split("#")[0]): json.loads(line) for line in out.open()}
    for name, expected in GOOD.items():
        assert results[name]["errors"] == [], name
        if expected:
            assert {c["code"]: c["units"] for c in results[name]["codes"]} == expected, name
    for name, reason in bad.items():
        (error,) = results[name]["errors"]
        assert error.startswith(reason), (name, error)
        assert f"{notes / name}: {error}" in run.stderr
    for name in ("caf\ufffd.txt", "n" * 240 + ".txt"):
        assert {c["code"] for c in results[name]["codes"]} == {"22510"}, name
    assert results["parens.txt"]["errors"] == []
    assert all(name in results for name in [*leaky, "deep.json", "bad.rtf", "cdata.html"])
    coded = [r for r in results.values() if not r["errors"]]
    assert len(list(pages.glob("*.html"))) >= len(coded) + 1  # a page for every note read, and the index
    assert all(len(page.name) < 130 for page in pages.iterdir())
