"""Reading notes in the formats they are exported in, with a well-kept library for each.

A file is read by its content first and its name second, so a PDF saved as .txt is read as a PDF
and binary never reaches the pipeline as text. Each document's plain text is what the evidence
offsets refer to, and the result names the extractor that produced it.

| format | recognised by | library | documents per file |
|---|---|---|---|
| text | anything else that decodes | (vertcode.read.text) | 1 |
| rtf | `{\\rtf` | striprtf | 1 |
| docx | a zip holding word/document.xml | python-docx | 1 |
| pdf | `%PDF` | pypdf (text layer; no OCR) | 1 |
| html | `<html`, `<!doctype html`, .html/.htm | beautifulsoup4 | 1 |
| hl7 | `MSH|` | hl7 (python-hl7) | 1 per message |
| fhir | JSON with a resourceType | (json, base64) | 1 per DocumentReference |

The readers for rtf, docx, pdf, html and hl7 are the `formats` extra.

A document's text is held to the size limit for one note (`max_bytes`, its UTF-8 bytes) as well
as the file: a small file can hold a great deal of text (a Word table whose merged cells repeat,
an HL7 escape repeating a character a billion times). The readers that can multiply text stop as
soon as it passes the limit, before building it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, replace

from vertcode.read.quiet import quiet_libraries
from vertcode.read.text import DEFAULT_MAX_BYTES, NoteError, decode

EXTENSIONS = (".txt", ".rtf", ".docx", ".pdf", ".html", ".htm", ".hl7", ".json")
_EXTRA = "pip install 'vertcode[formats]'"


@dataclass(frozen=True)
class Document:
    """One document's text as extracted, with the extractor and, for messages, its own id."""

    text: str
    extractor: str
    id: str | None = None


def documents(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    """The documents a file holds; NoteError naming the file when it holds none that can be read,
    or a document whose text is over `max_bytes`."""
    kind = sniff(data, name)
    reader = _READERS[kind]
    if kind == "text":
        found = reader(data, name, max_bytes)  # vertcode's own decoding: no library to quieten
    else:
        with quiet_libraries():  # silencing every library logger costs 0.3 ms, more than a text note's reading
            found = reader(data, name, max_bytes)
    if not found:
        raise NoteError(name, f"no document found in this {kind} file")
    for document in found:
        _Budget(kind, name, max_bytes).take(document.text)
    # A lone surrogate (RTF's \u55296?) can be neither written as UTF-8 nor shown; U+FFFD keeps
    # the evidence offsets, one code point for one.
    return [replace(d, text=_LONE_SURROGATE.sub("\ufffd", d.text)) for d in found]


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class _Budget:
    """The UTF-8 bytes of text one note may still take, for a reader that counts as it reads."""

    def __init__(self, kind: str, name: str, max_bytes: int):
        self.kind, self.name, self.max_bytes, self.left = kind, name, max_bytes, max_bytes

    def take(self, text: str, times: int = 1) -> str:
        """`text`, once it is counted `times` over; NoteError when that passes the limit."""
        self.charge(times * len(text.encode("utf-8", "surrogatepass")))
        return text

    def charge(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            limit = f"{self.max_bytes:,}-byte limit for one note"
            raise NoteError(self.name, f"text extracted from this {self.kind} file is over the {limit}")


def sniff(data: bytes, name: str) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"MSH|"):
        return "hl7"
    if head.startswith(b"{") and b'"resourceType"' in data[:4096]:
        return "fhir"
    lowered = head[:1024].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or name.lower().endswith((".html", ".htm")):
        return "html"
    return "text"


def _text(data: bytes, name: str, max_bytes: int) -> list[Document]:
    return [Document(decode(data, name), "text")]


def _rtf(data: bytes, name: str, max_bytes: int) -> list[Document]:
    try:
        from striprtf.striprtf import rtf_to_text
    except ImportError:
        raise NoteError(name, f"reading RTF needs striprtf: {_EXTRA}") from None
    return [Document(rtf_to_text(decode(data, name)), "rtf")]


def _docx(data: bytes, name: str, max_bytes: int) -> list[Document]:
    try:
        import docx
    except ImportError:
        raise NoteError(name, f"reading .docx needs python-docx: {_EXTRA}") from None
    try:
        _check_unpacked(data, name, max_bytes)
        document = docx.Document(io.BytesIO(data))
    except NoteError:
        raise
    except Exception:  # python-docx raises several kinds for a zip that is not a document
        raise NoteError(name, "not a readable Word document") from None
    budget = _Budget("docx", name, max_bytes)
    lines = [budget.take(p.text + "\n") for p in document.paragraphs]
    for table in document.element.body.tbl_lst:
        lines += _table_lines(table, budget)
    return [Document("".join(lines).removesuffix("\n"), "docx")]


#: A Word document's XML is several times the text it holds; ten times the text limit leaves room
#: for heavy formatting and refuses a zip bomb before lxml builds a tree of it. Its styles, theme
#: and settings take up to a megabyte whatever the text, hence the floor (about 150 MB to parse).
_UNPACKED_PER_TEXT_BYTE = 10
_UNPACKED_FLOOR = 10_000_000


def _check_unpacked(data: bytes, name: str, max_bytes: int) -> None:
    # zipfile reads no more of a member than the size the zip's directory gives (and fails on a
    # CRC mismatch), so the directory's sizes bound what python-docx can unpack.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        size = sum(info.file_size for info in archive.infolist())
    limit = max(_UNPACKED_PER_TEXT_BYTE * max_bytes, _UNPACKED_FLOOR)
    if size > limit:
        raise NoteError(
            name, f"this docx file unpacks to {size:,} bytes, over the {limit:,}-byte limit for one note's document"
        )


def _table_lines(table, budget: _Budget) -> list[str]:
    """A top-level table's rows, each its cells' text joined by " | " as python-docx's `row.cells`
    gives them: a cell spanning columns repeated, a vertically merged cell's text in each row it
    spans. Read here in one pass, since `row.cells` finds a merged cell's text by walking up the
    rows one by one (quadratic in a tall table) and builds a span before its text can be counted.
    """
    lines: list[str] = []
    above: dict[int, str] = {}  # the text of the row above, by its cells' grid offset
    for tr in table.tr_lst:
        cells: list[str] = []
        row: dict[int, str] = {}
        offset = tr.grid_before
        for tc in tr.tc_lst:
            text = above.get(offset, "") if tc.vMerge == "continue" else "\n".join(p.text for p in tc.p_lst)
            span = tc.grid_span
            budget.take(text, span)
            budget.charge(3 * span)  # a " | " after each cell...
            row[offset] = text
            cells += [text] * span
            offset += span
        above = row
        budget.charge(1 - 3 if cells else 1)  # ...but the last, which has the newline instead
        lines.append(" | ".join(cells) + "\n")
    return lines


def _pdf(data: bytes, name: str, max_bytes: int) -> list[Document]:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise NoteError(name, f"reading PDF needs pypdf: {_EXTRA}") from None
    budget = _Budget("pdf", name, max_bytes)
    pages = []
    try:
        for page in PdfReader(io.BytesIO(data)).pages:
            pages.append(budget.take((page.extract_text() or "") + "\n\n"))
    except NoteError:
        raise
    except Exception:  # pypdf raises several kinds for a damaged file, varying by version
        raise NoteError(name, "not a readable PDF") from None
    text = "".join(pages).removesuffix("\n\n")
    if not text.strip():
        raise NoteError(name, "PDF has no text layer (a scan?); vertcode does no OCR")
    return [Document(text, "pdf")]


def _html(data: bytes, name: str, max_bytes: int) -> list[Document]:
    try:
        from bs4 import BeautifulSoup
    except ImportError:
        raise NoteError(name, f"reading HTML needs beautifulsoup4: {_EXTRA}") from None
    soup = BeautifulSoup(decode(data, name), "html.parser")
    for hidden in soup(["script", "style", "head"]):
        hidden.decompose()
    text = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", soup.get_text("\n"))
    return [Document(text.strip("\n"), "html")]


def _hl7(data: bytes, name: str, max_bytes: int) -> list[Document]:
    try:
        import hl7
    except ImportError:
        raise NoteError(name, f"reading HL7 needs hl7: {_EXTRA}") from None
    # HL7 separates segments with CR; exported files often use LF or CRLF.
    text = re.sub(r"\r\n|\n", "\r", decode(data, name))
    found = []
    for raw in re.split(r"\r(?=MSH\|)", text):
        if not raw.strip():
            continue
        try:
            message = hl7.parse(raw)
        except Exception:  # python-hl7 raises ParseException and others
            raise NoteError(name, "not a readable HL7 v2 message") from None
        budget = _Budget("hl7", name, max_bytes)
        lines = [_hl7_value(message, segment, budget) for segment in message if str(segment[0]) == "OBX"]
        report = "\n".join(line for line in lines if line is not None)
        if report.strip():
            found.append(Document(report, "hl7", _hl7_id(message)))
    return found


def _hl7_value(message, obx, budget: _Budget) -> str | None:
    if len(obx) <= 5 or str(obx[2]) not in ("TX", "FT", "ST", "CE", "CWE", ""):
        return None
    field = str(obx[5])
    budget.charge(_unescaped_bound(field, message.esc))
    value = message.unescape(field)
    # FT line breaks (\.br\) arrive as text after unescaping in some versions.
    return value.replace("\\.br\\", "\n")


def _unescaped_bound(field: str, esc: str) -> int:
    """The most UTF-8 bytes `field` can take unescaped, counted before python-hl7 builds it: a
    formatting escape such as \\.sp999999999\\ repeats its character(s) that many times."""
    size = len(field.encode("utf-8", "surrogatepass"))
    # Between escape characters, as python-hl7 pairs them: every other piece is a sequence.
    for sequence in field.split(esc)[1::2]:
        if sequence[:3] in _REPEATED and len(sequence) > 3:
            # A count python-hl7 cannot read makes it raise: the file is reported as unreadable.
            with contextlib.suppress(ValueError):
                size += _REPEATED[sequence[:3]] * max(0, int(sequence[3:]))
    return size


#: python-hl7's formatting escapes that take a count, and the length of what each repeats.
_REPEATED = {".br": 1, ".sp": 1, ".ce": 1, ".sk": 1, ".in": 4, ".ti": 4, ".fi": 0, ".nf": 0}


def _hl7_id(message) -> str | None:
    """The order's filler or placer number, else the message control id."""
    for segment_id, field in (("OBR", 3), ("OBR", 2), ("ORC", 3), ("ORC", 2), ("TXA", 12), ("MSH", 10)):
        for segment in message:
            if str(segment[0]) == segment_id and len(segment) > field and str(segment[field]).strip():
                return str(segment[field]).split("^")[0]
    return None


def _fhir(data: bytes, name: str, max_bytes: int) -> list[Document]:
    try:
        resource = json.loads(decode(data, name))
    except json.JSONDecodeError as exc:
        raise NoteError(name, f"invalid JSON ({exc.msg})") from None
    if not isinstance(resource, dict):
        raise NoteError(name, "not a FHIR resource")
    if resource.get("resourceType") == "Bundle":
        references = [entry.get("resource", {}) for entry in resource.get("entry", [])]
    else:
        references = [resource]
    found = []
    for reference in references:
        if reference.get("resourceType") != "DocumentReference":
            continue
        for content in reference.get("content", []):
            attachment = content.get("attachment", {})
            if "data" not in attachment:
                continue
            try:
                payload = base64.b64decode(attachment["data"], validate=True)
            except ValueError:
                raise NoteError(name, f"DocumentReference {reference.get('id')}: attachment is not base64") from None
            for document in documents(payload, f"{name}#{reference.get('id')}", max_bytes):
                found.append(Document(document.text, f"fhir+{document.extractor}", reference.get("id")))
    return found


_READERS = {"text": _text, "rtf": _rtf, "docx": _docx, "pdf": _pdf, "html": _html, "hl7": _hl7, "fhir": _fhir}
