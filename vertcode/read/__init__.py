"""Reading: bytes, files, folders and tables in; `Note`s (plain text, its SHA-256, the extractor
that gave it, the id it carries) out.

- `text`     the records (`NoteSource`, `Note`, `NoteError`) and decoding bytes to text
- `formats`  one document's text from RTF, Word, PDF, HTML, HL7 v2 or FHIR, by content
- `files`    files, folders and standard input to notes
- `tables`   CSV, JSON lines and Parquet tables, one source per row
- `quiet`    the reading libraries' logs and warnings kept off stderr while reading

Imports flow text, quiet <- formats <- files; tables needs only text. Nothing here knows spaCy.
"""
