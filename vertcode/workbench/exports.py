"""What the coders decided, for billing and for testing: the billed lines of the done notes.

A billed line is one a coder accepted, edited or added; a rejected one is not billed. Only done
notes (every line decided) are exported: a note half-reviewed bills nothing yet.

- `csv`   one charge line a row: note, id, date of service (when the note states one), code,
          units, modifiers, levels, decision, user
- `fhir`  a Bundle of draft FHIR R4 Claims (vertcode.write.fhir): the final lines as items
- `hl7`   HL7 v2.5 DFT^P03 messages, one a note, with one FT1 segment per line
- `gold`  gold.jsonl (and the notes' text under notes/) that `vertcode eval` scores against
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from vertcode.model import CodeLine, Evidence, NoteResult
from vertcode.nlp.dates import stated_date_of_service
from vertcode.workbench.checks import known_codes
from vertcode.workbench.store import BILLED, NoteView, load_notes
from vertcode.write.fhir import write_fhir_bundle

CSV_COLUMNS = ("note", "id", "date_of_service", "code", "units", "modifiers", "levels", "decision", "user")
FORMATS = ("csv", "fhir", "hl7", "gold")


def done_notes(engine: Engine) -> list[NoteView]:
    return [view for view in load_notes(engine, with_text=True) if view.done]


def billed(view: NoteView) -> list:
    return [line for line in view.lines if line.status in BILLED]


def write_csv(views: list[NoteView], stream: TextIO) -> None:
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for view in views:
        when = stated_date_of_service(view.text or "")
        for line in billed(view):
            row = [view.path, view.source_id, when or "", line.code, line.units, ";".join(line.modifiers)]
            row += [" ".join(line.levels), line.status, line.decided_by or ""]
            # A cell a spreadsheet would run as a formula gets a leading apostrophe (as records.py).
            writer.writerow([f"'{c}" if isinstance(c, str) and c.startswith(("=", "+", "-", "@")) else c for c in row])


def final_result(view: NoteView) -> NoteResult:
    """The note's result with its lines as decided: what a Claim should carry."""
    original = NoteResult.from_dict(view.result)
    descriptions = known_codes()
    original.codes = []
    for line in billed(view):
        suggestion = line.suggestion or {}
        kept = suggestion.get("code") == line.code
        rationale = suggestion.get("rationale", "") if kept else f"{line.status} by {line.decided_by}"
        evidence = [Evidence(e["start"], e["end"], e["text"], e["label"]) for e in suggestion.get("evidence", [])]
        original.codes.append(
            CodeLine(line.code, line.units, line.levels, descriptions.get(line.code, ""), rationale, line.modifiers)
        )
        original.codes[-1].evidence = evidence if kept else []
    original.flags = []  # a coder decided them: the Claim carries decisions, not open questions
    return original


def write_fhir(views: list[NoteView], stream: TextIO) -> None:
    write_fhir_bundle((final_result(view) for view in views), stream)


def write_hl7(views: list[NoteView], stream: TextIO) -> None:
    """One DFT^P03 message a note (segments ended by CR, messages by CR LF as files of them are
    written): MSH, EVN, PID (the patient is the billing system's to fill in), and an FT1 charge
    per billed line."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
    for number, view in enumerate(views, 1):
        when = (stated_date_of_service(view.text or "") or "").replace("-", "") or stamp[:8]
        control = f"VC{stamp}{number:05d}"
        segments = [
            f"MSH|^~\\&|VERTCODE|WORKBENCH|BILLING||{stamp}||DFT^P03^DFT_P03|{control}|P|2.5",
            f"EVN|P03|{stamp}",
            "PID|1",
        ]
        descriptions = known_codes()
        for i, line in enumerate(billed(view), 1):
            code = f"{line.code}^{_hl7(descriptions.get(line.code, ''))[:199]}^CPT"
            modifiers = "~".join(line.modifiers)
            fields = ["FT1", str(i), "", "", when, "", "CG", code, "", "", str(line.units)]
            # FT1-23 the filler order number (the note's id, as an HL7 order carries it, else its
            # path), FT1-25 the procedure code, FT1-26 its modifiers.
            fields += [""] * 12 + [_hl7(view.source_id or view.path), "", f"{line.code}^^CPT", modifiers]
            segments.append("|".join(fields))
        stream.write("\r".join(segments) + "\r\n")


def _hl7(text: str) -> str:
    """A value with HL7's delimiters escaped, so a note's name cannot add a field or segment."""
    escaped = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\")
    return re.sub(r"[\r\n]", " ", escaped.replace("~", "\\R\\"))


def write_gold(views: list[NoteView], folder: Path) -> int:
    """FOLDER/gold.jsonl and FOLDER/notes/: each done note's text and its final codes, the layout
    `vertcode eval FOLDER` reads. Flags are not written: coders decide lines, not flags, so
    `eval` scores the codes only. Returns the number of notes written."""
    (folder / "notes").mkdir(parents=True, exist_ok=True)
    written = 0
    with (folder / "gold.jsonl").open("w", encoding="utf-8") as gold:
        for view in views:
            if view.text is None:
                continue
            name = _file_name(view)
            (folder / "notes" / name).write_text(view.text, encoding="utf-8", newline="")
            codes: dict[str, int] = {}
            for line in billed(view):
                codes[line.code] = codes.get(line.code, 0) + line.units
            changed = sorted({line.status for line in view.lines if line.status != "accepted"})
            why = f"decided in the workbench from {view.label}" + (f" ({', '.join(changed)})" if changed else "")
            gold.write(json.dumps({"note": name, "codes": codes, "why": why}, ensure_ascii=False) + "\n")
            written += 1
    return written


def _file_name(view: NoteView) -> str:
    """A unique plain-text file name for a note: its own name, the id, and the database id."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(view.path).stem)[:80]
    source = re.sub(r"[^A-Za-z0-9._-]", "_", view.source_id)[:40]
    return f"{stem}{'-' + source if source else ''}-{view.id}.txt"
