"""Issue 18, reading: hostile documents and tables are each one note's (or row's) error, their
extracted text is bounded, and no library prints note text while reading them."""

import contextlib
import json
import logging
import re
import subprocess
import sys
import warnings

import pytest
from typer.testing import CliRunner

from vertcode.cli import app
from vertcode.read.files import read_notes
from vertcode.read.formats import documents
from vertcode.read.text import NoteError, NoteSource

from conftest import NOTES, VERTCODE

SECRET = "Jane Roe, MRN 123456: balloon kyphoplasty at T7"


def _vertcode(*args, **kwargs):
    return subprocess.run([*VERTCODE, *args], capture_output=True, text=True, **kwargs)


def raw_pdf(content: bytes) -> bytes:
    """A one-page PDF whose page shows `content` (an uncompressed content stream)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def leaky_documents(folder):
    """Documents each library logs or warns about, quoting the note, when read."""
    text = f"BT /F1 12 Tf 72 720 Td ({SECRET}) Tj ET".encode()
    # A stream dictionary closed by "}>": pypdf logs the bytes around each object it cannot
    # parse while it searches the file, the note's text among them.
    (folder / "leak.pdf").write_bytes(raw_pdf(text).replace(b" >>\nstream", b" }>\nstream"))
    # An empty escape sequence and an unsupported character set: python-hl7 logs the whole field.
    (folder / "leak.hl7").write_text(
        "MSH|^~\\&|DICT|HOSP|EHR|HOSP|20261127||ORU^R01|1|P|2.5\r"
        "OBR|1||A1|IRPROC\r"
        f"OBX|1|TX|REPORT||{SECRET} \\\\ done\r"
        f"OBX|2|TX|REPORT||{SECRET} \\C2842\\ done\r"
    )
    # Markup that looks like a file name: bs4 warns (MarkupResemblesLocatorWarning).
    (folder / "leak.html").write_text("Jane-Roe-MRN-123456.html")
    return [folder / name for name in ("leak.pdf", "leak.hl7", "leak.html")]


def test_no_library_prints_note_text_to_stderr(tmp_path):
    run = _vertcode("code", "--format", "json", *map(str, leaky_documents(tmp_path)))
    assert "Jane" not in run.stderr and "123456" not in run.stderr, run.stderr
    # Only vertcode's own lines: no log record, no warning, no traceback.
    assert all(line.startswith("vertcode: ") for line in run.stderr.splitlines()), run.stderr
    json.loads(run.stdout)


def test_reading_restores_the_programs_own_logging_and_warnings(tmp_path):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    pypdf_logger = logging.getLogger("pypdf")
    pypdf_logger.addHandler(handler)
    pypdf_logger.setLevel(logging.INFO)
    filters = list(warnings.filters)
    try:
        for path in leaky_documents(tmp_path):
            with contextlib.suppress(NoteError):
                read_notes(NoteSource(str(path), path))
        assert records == []  # silent while reading...
        assert pypdf_logger.level == logging.INFO and not pypdf_logger.disabled
        assert warnings.filters == filters
        logging.getLogger("pypdf._reader").warning("the program's own record")
        assert len(records) == 1  # ...and the program's logging is as it was afterwards
    finally:
        pypdf_logger.removeHandler(handler)
        pypdf_logger.setLevel(logging.NOTSET)


# -- Extracted text is bounded (item 7) -----------------------------------------------------------

# The peak is VmHWM, this process's own: ru_maxrss keeps the forking parent's across exec.
_READ_IN_CHILD = """
import json, re, resource, sys
from pathlib import Path
# Should the bound fail, the child fails on its own, not the machine.
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from vertcode.read.files import read_notes
from vertcode.read.text import NoteError, NoteSource
path = Path(sys.argv[1])
try:
    error = len(read_notes(NoteSource(path.name, path), int(sys.argv[2]))[0].text)
except NoteError as exc:
    error = exc.reason
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())
print(json.dumps([error, int(peak[1]) / 1024]))
"""

#: Peak memory of a process that has read one note (python, lxml, python-docx, pypdf: ~50 MB).
PEAK_MB = 200


def read_in_child(path, max_bytes=1_000_000):
    """(the note's error, else its text's length; the reading process's peak RSS in MB)"""
    run = subprocess.run(
        [sys.executable, "-c", _READ_IN_CHILD, str(path), str(max_bytes)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def docx_with_body(path, body_xml):
    """A Word document made by python-docx, its body replaced by `body_xml`."""
    import io
    import zipfile

    import docx

    made = io.BytesIO()
    docx.Document().save(made)
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                head = data.decode().partition("<w:body>")[0]
                data = (head + "<w:body>" + body_xml + "</w:body></w:document>").encode()
            out.writestr(info.filename, data)
    return path


def paragraph(text):
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def over(kind, limit="1,000,000"):
    return f"text extracted from this {kind} file is over the {limit}-byte limit for one note"


def test_a_docx_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    body = paragraph("T7 balloon kyphoplasty, cement injected. " * 4) * 300_000  # 60 MB of XML
    bomb = docx_with_body(tmp_path / "bomb.docx", body)
    assert bomb.stat().st_size < 1_000_000
    error, peak = read_in_child(bomb)
    assert re.fullmatch(
        r"this docx file unpacks to 59,\d{3},\d{3} bytes, over the 10,000,000-byte limit for one note's document", error
    )
    assert peak < PEAK_MB


def test_docx_text_is_counted_as_it_is_read(tmp_path):
    # Under the unpacked limit, but 5 MB of text: stopped at the limit, not built whole.
    many = docx_with_body(tmp_path / "many.docx", paragraph("T7 balloon kyphoplasty, cement injected.") * 100_000)
    # One cell spanning a billion columns: python-docx would build a billion cells.
    span = '<w:tc><w:tcPr><w:gridSpan w:val="1000000000"/></w:tcPr>' + paragraph("T7 kyphoplasty") + "</w:tc>"
    wide = docx_with_body(tmp_path / "wide.docx", f"<w:tbl><w:tr>{span}</w:tr></w:tbl>")
    # A tall vertical merge: python-docx walks up the rows for each one (quadratic).
    first = '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' + paragraph("T7 kyphoplasty, cement") + "</w:tc>"
    rows = "<w:tr>" + first + "</w:tr>" + "<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr>" * 20_000
    tall = docx_with_body(tmp_path / "tall.docx", f"<w:tbl>{rows}</w:tbl>")
    for bomb, max_bytes, limit in (
        (many, 1_000_000, "1,000,000"),
        (wide, 1_000_000, "1,000,000"),
        (tall, 300_000, "300,000"),
    ):
        error, peak = read_in_child(bomb, max_bytes)
        assert (error, peak < PEAK_MB) == (over("docx", limit), True), bomb.name


def test_merged_table_cells_read_as_python_docx_gives_them(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("PROCEDURE: kyphoplasty")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 2).merge(table.cell(2, 2))
    document.save(tmp_path / "merged.docx")
    expected = "\n".join(
        ["PROCEDURE: kyphoplasty"] + [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    )
    assert documents((tmp_path / "merged.docx").read_bytes(), "merged.docx")[0].text == expected


def test_pdf_extraction_stops_after_the_page_that_passes_the_limit(tmp_path, monkeypatch):
    from fpdf import FPDF
    from pypdf import PageObject

    pdf = FPDF()
    pdf.set_font("helvetica", size=8)
    for _ in range(40):
        pdf.add_page()
        pdf.multi_cell(0, 4, "T7 balloon kyphoplasty, cement injected. " * 60)
    pdf.output(str(tmp_path / "long.pdf"))
    data = (tmp_path / "long.pdf").read_bytes()
    pages = []
    extract = PageObject.extract_text
    monkeypatch.setattr(PageObject, "extract_text", lambda page, *a, **k: pages.append(1) or extract(page, *a, **k))
    assert len(documents(data, "long.pdf", 200_000)[0].text) > 90_000
    pages.clear()
    with pytest.raises(NoteError) as error:
        documents(data, "long.pdf", 20_000)
    assert error.value.reason == over("pdf", "20,000")
    assert len(pages) == 9  # 2,460 bytes a page: the ninth passes 20,000


def test_an_hl7_repetition_escape_is_counted_before_it_is_expanded(tmp_path):
    bomb = tmp_path / "bomb.hl7"
    bomb.write_text(
        "MSH|^~\\&|DICT|HOSP|EHR|HOSP|20261127||ORU^R01|1|P|2.5\rOBR|1||A1|IRPROC\r"
        "OBX|1|TX|REPORT||T7 kyphoplasty\\.sp999999999\\balloon\r"
    )
    error, peak = read_in_child(bomb)
    assert (error, peak < PEAK_MB) == (over("hl7"), True)


def test_the_limit_holds_for_the_text_as_well_as_the_file(tmp_path):
    # Windows-1252 is one byte for the euro sign, UTF-8 three: 400 KB of file, 1.2 MB of text.
    euros = tmp_path / "euros.txt"
    euros.write_bytes("T7 kyphoplasty: ".encode("cp1252") + "€".encode("cp1252") * 400_000)
    with pytest.raises(NoteError) as error:
        read_notes(NoteSource(str(euros), euros))
    assert error.value.reason == over("text")


def test_the_max_bytes_option_bounds_extracted_text(tmp_path):
    many = docx_with_body(tmp_path / "many.docx", paragraph("T7 balloon kyphoplasty, cement injected.") * 1_500)
    run = _vertcode("code", "--max-bytes", "50000", str(many))
    assert run.returncode == 1
    assert run.stderr == f"vertcode: {many}: {over('docx', '50,000')}\n"


# -- A bad table row is that row's error (item 1) -------------------------------------------------

SEED4 = (NOTES / "seed-04.txt").read_text()
NOT_UNICODE = "is not valid Unicode (a byte that is not UTF-8, or a lone surrogate)"


def batch(source, out):
    """Run `vertcode batch` in-process; (its result, {note: output line})."""
    run = CliRunner().invoke(app, ["batch", str(source), "--out", str(out), "--jobs", "1"])
    assert run.exception is None or isinstance(run.exception, SystemExit), run.exception
    return run, {line["note"]: line for line in map(json.loads, out.read_text(encoding="utf-8").splitlines())}


def coded(line):
    return line["errors"] == [] and [c["code"] for c in line["codes"]][:1] == ["22513"]


def test_hostile_jsonl_lines_are_each_their_rows_error(tmp_path):
    table = tmp_path / "notes.jsonl"
    table.write_bytes(
        b"\n".join(
            [
                json.dumps({"id": 1, "text": SEED4}).encode(),
                b'{"id": 2, "text": "T7 kyphoplasty \\ud800 balloon"}',  # a lone surrogate, escaped
                b'{"id": "A-\\udc00", "text": "T7 kyphoplasty"}',
                '{"id": 4, "text": "Cyphoplastie à T7"}'.encode("cp1252"),  # not UTF-8
                b'{"id": 5, "text": "T7", "meta": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                json.dumps({"id": 6, "text": SEED4}).encode(),
            ]
        )
        + b"\n"
    )
    run, lines = batch(table, tmp_path / "out.jsonl")
    assert run.exit_code == 1
    assert list(lines) == ["1", f"{table}:2", f"{table}:3", f"{table}:4", f"{table}:5", "6"]
    assert coded(lines["1"]) and coded(lines["6"])
    assert lines[f"{table}:2"]["errors"] == [f"text {NOT_UNICODE}"]
    assert lines[f"{table}:3"]["errors"] == [f"id {NOT_UNICODE}"]
    assert lines[f"{table}:4"]["errors"] == [f"text {NOT_UNICODE}"]
    assert lines[f"{table}:5"]["errors"] == ["invalid JSON (nested too deeply)"]
    assert "4 errors" in run.stderr and "Cyphoplastie" not in run.stderr


def test_a_windows_1252_csv_codes_its_utf8_rows_and_reports_the_others(tmp_path):
    table = tmp_path / "notes.csv"
    rows = [("id", "text"), ("1", SEED4), ("2", "Cyphoplastie à T7, ciment injecté."), ("3", SEED4)]
    table.write_bytes("".join(f'{i},"{t}"\r\n' for i, t in rows).encode("cp1252"))
    run, lines = batch(table, tmp_path / "out.jsonl")
    assert run.exit_code == 1
    assert coded(lines["1"]) and coded(lines["3"])
    assert lines[f"{table}:2"]["errors"] == [f"text {NOT_UNICODE}"]


def test_a_corrupt_parquet_row_group_is_reported_and_the_others_coded(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = tmp_path / "notes.parquet"
    pq.write_table(pa.table({"id": list(range(9)), "text": [SEED4] * 9}), table, row_group_size=3)
    chunk = pq.ParquetFile(table).metadata.row_group(1).column(1)
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    data = bytearray(table.read_bytes())
    data[start + 8 : start + chunk.total_compressed_size] = b"\xa5" * (chunk.total_compressed_size - 8)
    table.write_bytes(data)
    run, lines = batch(table, tmp_path / "out.jsonl")
    assert run.exit_code == 1
    assert list(lines) == ["0", "1", "2", f"{table}:4-6", "6", "7", "8"]
    assert all(coded(lines[str(i)]) for i in (0, 1, 2, 6, 7, 8))
    [reason] = lines[f"{table}:4-6"]["errors"]
    assert reason.startswith("row group 2 of this Parquet file cannot be read (")


def test_a_lone_surrogate_in_a_document_is_replaced_and_the_note_coded(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    escaped = SEED4.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}").replace("\n", "\\par\n")
    (folder / "note.rtf").write_text("{\\rtf1\\ansi " + escaped + " \\u55296? done}", encoding="ascii")
    run, lines = batch(folder, tmp_path / "out.jsonl")
    assert run.exit_code == 0, run.stderr
    assert coded(lines[str(folder / "note.rtf")])
    assert documents((folder / "note.rtf").read_bytes(), "note.rtf")[0].text.endswith("\ufffd done")
