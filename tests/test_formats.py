"""Issue 8: notes in the formats they are exported in, coded like their plain text."""

import base64
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.read.files import read_notes
from vertcode.read.formats import documents, sniff
from vertcode.read.text import NoteError, NoteSource

from conftest import NOTES

SEED4 = (NOTES / "seed-04.txt").read_text()
MTS = (NOTES / "mtsamples-vertebroplasty.txt").read_text()
EXPECTED = {"22513": 1, "22515": 2}


def make_docx(path, text):
    import docx

    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    document.save(path)


def make_pdf(path, text=None):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    if text is None:
        pdf.rect(20, 20, 100, 60)  # a "scan": drawing, no text
    else:
        pdf.multi_cell(0, 5, text)
    pdf.output(str(path))


def make_rtf(path, text):
    escaped = text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("\n", "\\par\n")
    path.write_text("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\\f0\\fs22 " + escaped + "}", encoding="ascii")


def hl7_message(control_id, order, text):
    lines = [
        f"MSH|^~\\&|DICTATION|HOSP|EHR|HOSP|20261127||ORU^R01|{control_id}|P|2.5",
        "PID|1||12345^^^HOSP||DOE^JANE",
        f"OBR|1||{order}|IRPROC^Vertebral augmentation",
    ]
    for i, line in enumerate(text.split("\n"), 1):
        line = line.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\")
        lines.append(f"OBX|{i}|TX|REPORT||{line}")
    return "\r".join(lines)


def document_reference(ident, text, content_type="text/plain"):
    from fhir.resources.R4B.documentreference import DocumentReference

    data = base64.b64encode(text.encode()).decode()
    return json.loads(
        DocumentReference.model_validate(
            {
                "resourceType": "DocumentReference",
                "id": ident,
                "status": "current",
                "content": [{"attachment": {"contentType": content_type, "data": data}}],
            }
        ).model_dump_json()
    )


def code_file(coder, path):
    return coder.code_sources([NoteSource(str(path), path)])


@pytest.mark.parametrize(
    "maker, suffix, extractor",
    [
        (lambda p: make_docx(p, SEED4), ".docx", "docx"),
        (lambda p: make_pdf(p, SEED4), ".pdf", "pdf"),
        (lambda p: make_rtf(p, SEED4), ".rtf", "rtf"),
        (
            lambda p: p.write_text(
                f"<!DOCTYPE html><html><head><style>p{{}}</style><script>var x=1;</script></head>"
                f"<body><p>{SEED4}</p></body></html>"
            ),
            ".html",
            "html",
        ),
        (lambda p: p.write_text(hl7_message("MSG1", "ORD-1", SEED4)), ".hl7", "hl7"),
        (lambda p: p.write_text(json.dumps(document_reference("doc-1", SEED4))), ".json", "fhir+text"),
    ],
)
def test_each_format_codes_like_its_plain_text(tmp_path, coder, maker, suffix, extractor):
    path = tmp_path / f"note{suffix}"
    maker(path)
    (result,) = code_file(coder, path)
    assert result.errors == []
    assert result.code_units() == EXPECTED
    assert result.extractor == extractor
    # Offsets refer to the extracted text, which is what a review page shows.
    (note,) = read_notes(NoteSource(str(path), path))
    for ev in (e for line in result.codes for e in line.evidence):
        assert note.text[ev.start : ev.end] == ev.text


def test_a_pdf_named_txt_is_read_as_pdf(tmp_path, coder):
    path = tmp_path / "export.txt"
    make_pdf(path, SEED4)
    (result,) = code_file(coder, path)
    assert (result.extractor, result.code_units()) == ("pdf", EXPECTED)


def test_a_scanned_pdf_is_reported_not_coded(tmp_path, coder):
    path = tmp_path / "scan.pdf"
    make_pdf(path)
    (result,) = code_file(coder, path)
    assert result.errors == ["PDF has no text layer (a scan?); vertcode does no OCR"]


def test_every_message_of_an_hl7_file_is_a_note(tmp_path, coder):
    path = tmp_path / "batch.hl7"
    path.write_text(hl7_message("MSG1", "ORD-1", SEED4) + "\n" + hl7_message("MSG2", "ORD-2", MTS) + "\n")
    results = list(code_file(coder, path))
    assert [(r.note, r.id, r.code_units()) for r in results] == [
        (f"{path}#ORD-1", "ORD-1", EXPECTED),
        (f"{path}#ORD-2", "ORD-2", {"22510": 1}),
    ]


def test_every_document_of_a_fhir_bundle_is_a_note(tmp_path, coder):
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": document_reference("a", SEED4)},
                {"resource": document_reference("b", f"<html><body><pre>{MTS}</pre></body></html>", "text/html")},
            ],
        }
    )
    path = tmp_path / "bundle.json"
    path.write_text(bundle.model_dump_json())
    results = list(code_file(coder, path))
    assert [(r.id, r.extractor, r.code_units()) for r in results] == [
        ("a", "fhir+text", EXPECTED),
        ("b", "fhir+html", {"22510": 1}),
    ]


def test_content_decides_before_the_name():
    assert sniff(b"%PDF-1.7", "a.txt") == "pdf"
    assert sniff(b"MSH|^~\\&|", "a.txt") == "hl7"
    assert sniff(b'{"resourceType": "Bundle"}', "a.txt") == "fhir"
    assert sniff(b"plain", "a.html") == "html"
    assert sniff(b"plain", "a.txt") == "text"


def test_a_missing_reader_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "docx", None)
    with pytest.raises(NoteError, match=r"reading \.docx needs python-docx: pip install 'vertcode\[formats\]'"):
        documents(b"PK\x03\x04rest", "a.docx")


def test_fhir_claim_output_is_valid_r4(tmp_path):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.claim import Claim

    runner = CliRunner()
    single = runner.invoke(app, ["code", str(NOTES / "seed-04.txt"), "--format", "fhir"])
    claim = Claim.model_validate(json.loads(single.stdout))
    assert [(i.productOrService.coding[0].code, i.quantity.value) for i in claim.item] == [("22513", 1), ("22515", 2)]
    assert claim.item[0].productOrService.coding[0].system == "http://www.ama-assn.org/go/cpt"
    evidence = [claim.supportingInfo[n - 1].valueString for n in claim.item[0].informationSequence]
    assert "evidence DEVICE 'curette' at characters 126-133" in evidence
    several = runner.invoke(app, ["code", str(NOTES / "seed-04.txt"), str(NOTES / "seed-01.txt"), "-f", "fhir"])
    bundle = Bundle.model_validate(json.loads(several.stdout))
    assert [e.resource.item[0].productOrService.coding[0].code for e in bundle.entry] == ["22513", "22510"]


def test_mdace_output(tmp_path):
    out = CliRunner().invoke(app, ["code", str(NOTES / "seed-04.txt"), "--format", "mdace"]).stdout
    data = json.loads(out)
    spans = {(a["begin"], a["end"], a["code"], a["code_system"]) for a in data["annotations"]}
    assert (47, 49, "22513", "CPT") in spans and (211, 213, "22515", "CPT") in spans
    assert all(set(a) >= {"begin", "end", "code", "code_system", "description"} for a in data["annotations"])


def test_batch_over_a_folder_of_every_format(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "plain.txt").write_text(SEED4)
    make_docx(folder / "word.docx", SEED4)
    make_pdf(folder / "scan-with-text.pdf", SEED4)
    make_rtf(folder / "dictation.rtf", SEED4)
    (folder / "page.html").write_text(f"<html><body><p>{SEED4}</p></body></html>")
    (folder / "feed.hl7").write_text(hl7_message("M1", "O1", SEED4))
    (folder / "doc.json").write_text(json.dumps(document_reference("d1", SEED4)))
    out = tmp_path / "out.jsonl"
    run = CliRunner().invoke(app, ["batch", str(folder), "--out", str(out), "--jobs", "1"])
    assert run.exit_code == 0, run.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 7
    for line in lines:
        assert {c["code"]: c["units"] for c in line["codes"]} == EXPECTED, line["note"]
    assert sorted(line["extractor"] for line in lines) == ["docx", "fhir+text", "hl7", "html", "pdf", "rtf", "text"]


@pytest.mark.parametrize(
    "name, data, reason",
    [
        (
            "bundle.json",
            b'{"resourceType": "Bundle", "entry": ["x", "y"]}',
            "not a readable fhir file (AttributeError)",
        ),
        (
            "nested.json",
            b'{"resourceType": "DocumentReference", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}",
            "not a readable fhir file (RecursionError)",
        ),
        ("bad.rtf", b"{\\rtf1 \\u99999999 text}", "not a readable rtf file (ValueError)"),
    ],
)
def test_a_malformed_document_is_that_files_error_never_a_traceback(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(NoteError) as error:
        read_notes(NoteSource(name, tmp_path / name))
    assert error.value.reason == reason


def test_a_batch_over_malformed_documents_codes_the_good_notes(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a-bundle.json").write_bytes(b'{"resourceType": "Bundle", "entry": ["x"]}')
    (notes / "b-good.txt").write_text("Vertebroplasty T7: a needle into T7 and 3 mL PMMA injected.\n")
    (notes / "c-bad.rtf").write_bytes(b"{\\rtf1 \\u99999999 text}")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(notes), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(Path(r["note"]).name, r["codes"] != [], r["errors"]) for r in lines] == [
        ("a-bundle.json", False, ["not a readable fhir file (AttributeError)"]),
        ("b-good.txt", True, []),
        ("c-bad.rtf", False, ["not a readable rtf file (ValueError)"]),
    ]
