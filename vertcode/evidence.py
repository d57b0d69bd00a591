"""A span of a note: what every code, flag, diagnosis and query cites."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Evidence:
    """A span of the note, by character offsets into the decoded text."""

    start: int
    end: int
    text: str
    label: str

    def to_dict(self) -> dict:
        # Written out rather than dataclasses.asdict, which deep-copies and was a tenth of the
        # time to code a note.
        return {"start": self.start, "end": self.end, "text": self.text, "label": self.label}
