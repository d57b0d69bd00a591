"""Issue 18, reading: hostile documents and tables are each one note's (or row's) error, their
extracted text is bounded, and no library prints note text while reading them."""

import contextlib
import json
import logging
import subprocess
import sys
import warnings

from conftest import ROOT

SECRET = "Jane Roe, MRN 123456: balloon kyphoplasty at T7"


def _vertcode(*args, **kwargs):
    exe = ROOT / ".venv" / "bin" / "vertcode"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "vertcode"]
    return subprocess.run(command + list(args), capture_output=True, text=True, **kwargs)


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
    from vertcode.read.files import read_notes
    from vertcode.read.text import NoteError, NoteSource

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
