"""The writing stage: `NoteResult`s in; text for people and programs out.

- `records`  JSON, JSON lines, CSV and MDACE spans
- `table`    a table on a terminal
- `fhir`     draft FHIR R4 Claims
- `pages`    self-contained HTML review pages and their index

Writers read only `vertcode.model`; they never code or read a note.
"""
