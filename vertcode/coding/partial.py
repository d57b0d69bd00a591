"""A note read only in part: the pipeline stops reading at the first sentence past its caps on
terms and modifiers (vertcode.nlp.bounded_context), so what it codes may not be all the note
documents."""

from __future__ import annotations

from collections.abc import Mapping

from vertcode.coding import cpt
from vertcode.model import CodeLine, Extraction, Flag


def code_note(extraction: Extraction, descriptions: Mapping[str, str]) -> tuple[list[CodeLine], list[Flag]]:
    """`cpt.code_note`; for a note read in part, every code line is for review, after a flag
    saying where the reading stopped."""
    codes, flags = cpt.code_note(extraction, descriptions)
    if extraction.unread is None:
        return codes, flags
    for line in codes:
        line.mark_review("note-read-in-part")
    unread = Flag(
        "note-read-in-part",
        f"The note names more levels, procedure words or qualifiers than vertcode reads in one note or one "
        f"sentence; it was read only up to character {extraction.unread.start:,}, and the rest was not "
        "read. Any codes cover only the part read: code the note by hand.",
        [extraction.unread],
    )
    return codes, [unread, *flags]
