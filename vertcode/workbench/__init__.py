"""The coders' workbench: batch results in, coders' decisions and what they are worth out.

In: results (a `batch` JSON lines file, or a folder of notes coded first) and the notes' text.
Out: a database (SQLite by default, PostgreSQL for a team; one SQLAlchemy layer, Alembic
migrations) of notes, their versions, their code lines and an append-only audit trail of every
decision; a local web application to review them (`vertcode review`); exports of the decided
lines as CSV charge lines, FHIR R4 Claims, HL7 v2 DFT^P03 messages and a gold.jsonl that
`vertcode eval` reads; and statistics of what coders changed.

- `schema`    the tables, and `open_database` (migrations run on open)
- `store`     import (idempotent), the worklist, a note, decisions and their conflicts
- `exports`   csv, fhir, hl7 and gold
- `stats`     acceptance per code and per flag, reasons, auto notes changed
- `web`, `views`, `server`  the web application (standard-library WSGI, see `web`)
- `cli`       the `vertcode review` commands
"""
