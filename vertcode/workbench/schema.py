"""The workbench's tables, and opening a database with its schema brought up to date.

A note (by its path and id) has versions: one per distinct content (SHA-256) imported, the
latest being current. A version has code lines: the suggestions, with the state a coder's last
decision left them in, and lines a coder added. `rev` on a line is its optimistic lock: a
decision names the `rev` it saw and is refused when another one came first. `decisions` is the
audit trail: rows are only ever inserted.

The schema is created and changed by Alembic migrations (`migrations/`), run every time a
database is opened, so an older database is upgraded in place and a new one created; the
same tables serve SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()

notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The note's identity: its path as the batch named it, and the id it carries (HL7, FHIR, tables).
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False, server_default=""),
    sa.Column("current_version", sa.Integer, nullable=True),
    sa.UniqueConstraint("path", "source_id", name="uq_notes_identity"),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note_id", sa.Integer, sa.ForeignKey("notes.id"), nullable=False, index=True),
    sa.Column("sha256", sa.Text, nullable=True),
    sa.Column("disposition", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),  # the result's JSON, as `batch` wrote it
    sa.Column("text", sa.Text, nullable=True),  # the note's text the offsets refer to; None: unreadable
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
)

lines = sa.Table(
    "lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("suggestion", sa.Text, nullable=True),  # the suggested code line's JSON; None: added by a coder
    # todo, accepted, edited, rejected, added
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("modifiers", sa.Text, nullable=False, server_default=""),  # joined with ";"
    sa.Column("levels", sa.Text, nullable=False, server_default=""),  # joined with " "
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("rev", sa.Integer, nullable=False, server_default="0"),
    sa.Column("decided_by", sa.Text, nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("note_id", sa.Integer, sa.ForeignKey("notes.id"), nullable=False, index=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
    sa.Column("line_id", sa.Integer, sa.ForeignKey("lines.id"), nullable=True),
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # accept, edit, reject, add, comment, query, confirm (a note with no line: nothing to bill)
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("suggestion", sa.Text, nullable=True),  # JSON of the line as suggested
    sa.Column("final", sa.Text, nullable=True),  # JSON of the line as decided
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
)


class DatabaseError(Exception):
    """The database cannot be opened or used; the message names it (never its password)."""


def database_url(db: str | None, beside: Path) -> str:
    """The SQLAlchemy URL for `--db`: a postgresql:// or sqlite:// URL as given, a file path as
    SQLite, and by default `vertcode-review.db` in the folder `beside`."""
    if db is None:
        return f"sqlite:///{(beside / 'vertcode-review.db').resolve()}"
    if "://" not in db:
        return f"sqlite:///{Path(db).resolve()}"
    scheme = db.split("://", 1)[0].lower()
    if scheme in ("postgresql", "postgres"):
        # psycopg 3 is the driver the `review` extra installs.
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if scheme.startswith(("postgresql+", "sqlite")):
        return db
    raise DatabaseError(
        f"--db {_safe(db)}: not a database this workbench uses (a file path, sqlite:// or postgresql://)"
    )


def _safe(url: str) -> str:
    """A URL as it may be shown: its password hidden."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url.split("@")[-1]


def open_database(url: str) -> Engine:
    """An engine on `url`, its schema migrated to the latest version."""
    try:
        engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise DatabaseError(f"{_safe(url)}: cannot open ({exc})") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise DatabaseError(f"{_safe(url)}: cannot open ({_first_line(exc)})") from None
    return engine


def _first_line(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__


def _sqlite_pragmas(connection, record) -> None:
    """A committed decision is on disk before the answer goes out (synchronous FULL), and readers
    do not block the writer (WAL); SQLite checks foreign keys only when asked."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic's head, inside one connection (and, where the database can,
    one transaction: PostgreSQL's DDL is transactional)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with _file_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Two coders starting the workbench on an empty team database at once: the second
            # waits for the first's migration (released at commit), then finds it done.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """For a SQLite file, a lock beside it held while migrating (its own transactions begin only
    at the first write, after both starts have read that there is no schema yet)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    try:
        lock = open(f"{database}.migrating", "a")  # noqa: SIM115 - held across the yield
    except OSError:  # no such folder, no permission: opening the database says so
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


#: The PostgreSQL advisory lock the migrations hold (any number no other tool on the database uses).
_MIGRATION_LOCK = 0x76657274
