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
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass

from vertcode.read.quiet import quiet_libraries
from vertcode.read.text import NoteError, decode

EXTENSIONS = (".txt", ".rtf", ".docx", ".pdf", ".html", ".htm", ".hl7", ".json")
_EXTRA = "pip install 'vertcode[formats]'"


@dataclass(frozen=True)
class Document:
    """One document's text as extracted, with the extractor and, for messages, its own id."""

    text: str
    extractor: str
    id: str | None = None


def documents(data: bytes, name: str) -> list[Document]:
    """The documents a file holds; NoteError naming the file when it holds none that can be read."""
    kind = sniff(data, name)
    reader = _READERS[kind]
    with quiet_libraries():
        found = reader(data, name)
    if not found:
        raise NoteError(name, f"no document found in this {kind} file")
    return found


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


def _text(data: bytes, name: str) -> list[Document]:
    return [Document(decode(data, name), "text")]


def _rtf(data: bytes, name: str) -> list[Document]:
    try:
        from striprtf.striprtf import rtf_to_text
    except ImportError:
        raise NoteError(name, f"reading RTF needs striprtf: {_EXTRA}") from None
    return [Document(rtf_to_text(decode(data, name)), "rtf")]


def _docx(data: bytes, name: str) -> list[Document]:
    try:
        import docx
    except ImportError:
        raise NoteError(name, f"reading .docx needs python-docx: {_EXTRA}") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises several kinds for a zip that is not a document
        raise NoteError(name, "not a readable Word document") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [" | ".join(cell.text for cell in row.cells) for row in table.rows]
    return [Document("\n".join(lines), "docx")]


def _pdf(data: bytes, name: str) -> list[Document]:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise NoteError(name, f"reading PDF needs pypdf: {_EXTRA}") from None
    try:
        pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    except Exception:  # pypdf raises several kinds for a damaged file, varying by version
        raise NoteError(name, "not a readable PDF") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise NoteError(name, "PDF has no text layer (a scan?); vertcode does no OCR")
    return [Document(text, "pdf")]


def _html(data: bytes, name: str) -> list[Document]:
    try:
        from bs4 import BeautifulSoup
    except ImportError:
        raise NoteError(name, f"reading HTML needs beautifulsoup4: {_EXTRA}") from None
    soup = BeautifulSoup(decode(data, name), "html.parser")
    for hidden in soup(["script", "style", "head"]):
        hidden.decompose()
    text = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", soup.get_text("\n"))
    return [Document(text.strip("\n"), "html")]


def _hl7(data: bytes, name: str) -> list[Document]:
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
        lines = [_hl7_value(message, segment) for segment in message if str(segment[0]) == "OBX"]
        report = "\n".join(line for line in lines if line is not None)
        if report.strip():
            found.append(Document(report, "hl7", _hl7_id(message)))
    return found


def _hl7_value(message, obx) -> str | None:
    if len(obx) <= 5 or str(obx[2]) not in ("TX", "FT", "ST", "CE", "CWE", ""):
        return None
    value = message.unescape(str(obx[5]))
    # FT line breaks (\.br\) arrive as text after unescaping in some versions.
    return value.replace("\\.br\\", "\n")


def _hl7_id(message) -> str | None:
    """The order's filler or placer number, else the message control id."""
    for segment_id, field in (("OBR", 3), ("OBR", 2), ("ORC", 3), ("ORC", 2), ("TXA", 12), ("MSH", 10)):
        for segment in message:
            if str(segment[0]) == segment_id and len(segment) > field and str(segment[field]).strip():
                return str(segment[field]).split("^")[0]
    return None


def _fhir(data: bytes, name: str) -> list[Document]:
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
            for document in documents(payload, f"{name}#{reference.get('id')}"):
                found.append(Document(document.text, f"fhir+{document.extractor}", reference.get("id")))
    return found


_READERS = {"text": _text, "rtf": _rtf, "docx": _docx, "pdf": _pdf, "html": _html, "hl7": _hl7, "fhir": _fhir}
