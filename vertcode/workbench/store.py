"""Notes and decisions in the database: import, the worklist, one note, and each decision.

Every function takes the engine and does its work in one transaction (`engine.begin()`): a
decision is committed, with its audit row, before the caller answers, so a server killed after
answering loses nothing it acknowledged. A decision on a line names the line's `rev` it saw;
the update is `... WHERE id = :id AND rev = :rev`, so when two coders decide the same line at
once exactly one wins and the other gets `Conflict`, never a silent overwrite.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from vertcode.workbench.checks import REASONS, InvalidDecision, known_codes
from vertcode.workbench.checks import checked as _checked
from vertcode.workbench.checks import reason as _reason
from vertcode.workbench.schema import decisions, lines, notes, versions

__all__ = ["REASONS", "Conflict", "InvalidDecision", "known_codes"]

#: The statuses of a line whose code is billed.
BILLED = ("accepted", "edited", "added")


class Conflict(Exception):
    """Someone else decided the line first, or the note was re-coded meanwhile."""


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class ImportSummary:
    new: int = 0
    unchanged: int = 0
    changed: int = 0

    def __str__(self) -> str:
        changed = f"{self.changed} changed (coded again, earlier decisions kept)"
        return f"{self.new} new notes, {changed}, {self.unchanged} unchanged"


def import_result(conn: Connection, result: dict, text: str | None, summary: ImportSummary) -> None:
    """One result into the database: a new note; nothing for a note already there with the same
    SHA-256 (its decisions stay); a new current version, with fresh lines, for a changed one
    (the old version, its lines and decisions stay, as history)."""
    identity = {"path": result["note"], "source_id": "" if result.get("id") is None else str(result["id"])}
    row = conn.execute(
        sa.select(notes.c.id, versions.c.sha256)
        .select_from(notes.outerjoin(versions, versions.c.id == notes.c.current_version))
        .where(notes.c.path == identity["path"], notes.c.source_id == identity["source_id"])
    ).first()
    if row is not None and row.sha256 == result.get("sha256"):
        summary.unchanged += 1
        return
    if row is None:
        note_id = conn.execute(sa.insert(notes).values(**identity)).inserted_primary_key[0]  # type: ignore[index]
        summary.new += 1
    else:
        note_id = row.id
        summary.changed += 1
    version_id = conn.execute(
        sa.insert(versions).values(
            note_id=note_id,
            sha256=result.get("sha256"),
            disposition=result["disposition"],
            result=json.dumps(result, ensure_ascii=False),
            text=text,
            imported_at=now(),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    for position, line in enumerate(result["codes"]):
        conn.execute(
            sa.insert(lines).values(
                version_id=version_id,
                position=position,
                suggestion=json.dumps(line, ensure_ascii=False),
                status="todo",
                code=line["code"],
                units=line["units"],
                modifiers=";".join(line["modifiers"]),
                levels=" ".join(line["levels"]),
            )
        )
    conn.execute(sa.update(notes).where(notes.c.id == note_id).values(current_version=version_id))


@dataclass
class Line:
    id: int
    position: int
    status: str
    code: str
    units: int
    modifiers: list[str]
    levels: list[str]
    reason: str | None
    rev: int
    decided_by: str | None
    suggestion: dict | None

    @property
    def final(self) -> dict:
        return {"code": self.code, "units": self.units, "modifiers": self.modifiers, "levels": self.levels}


@dataclass
class NoteView:
    """A note as the workbench shows it: its current version, lines and state."""

    id: int
    path: str
    source_id: str
    version_id: int
    sha256: str | None
    disposition: str
    result: dict
    text: str | None
    lines: list[Line] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # note-level actions on this version: confirm, query

    @property
    def done(self) -> bool:
        """Every suggested line decided, and something decided: a note with no line is done
        once a coder confirms it bills nothing (or adds a line)."""
        undecided = any(line.status == "todo" for line in self.lines)
        return not undecided and (bool(self.lines) or "confirm" in self.events)

    @property
    def flags(self) -> list[str]:
        return list(dict.fromkeys(f["kind"] for f in self.result["flags"]))

    @property
    def label(self) -> str:
        return self.path + (f" #{self.source_id}" if self.source_id else "")


def _line(row) -> Line:
    return Line(
        row.id,
        row.position,
        row.status,
        row.code,
        row.units,
        [m for m in row.modifiers.split(";") if m],
        row.levels.split(),
        row.reason,
        row.rev,
        row.decided_by,
        json.loads(row.suggestion) if row.suggestion else None,
    )


def load_notes(engine: Engine, note_ids: list[int] | None = None, with_text: bool = False) -> list[NoteView]:
    """Every note (or those of `note_ids`) at its current version, in import order."""
    columns = [notes.c.id, notes.c.path, notes.c.source_id, versions.c.id.label("version_id"), versions.c.sha256]
    columns += [versions.c.disposition, versions.c.result, versions.c.text if with_text else sa.null().label("text")]
    query = sa.select(*columns).join(versions, versions.c.id == notes.c.current_version).order_by(notes.c.id)
    if note_ids is not None:
        query = query.where(notes.c.id.in_(note_ids))
    with engine.connect() as conn:
        found = {
            row.id: NoteView(
                row.id,
                row.path,
                row.source_id,
                row.version_id,
                row.sha256,
                row.disposition,
                json.loads(row.result),
                row.text,
            )
            for row in conn.execute(query)
        }
        by_version = {view.version_id: view for view in found.values()}
        current = sa.select(notes.c.current_version)
        for row in conn.execute(sa.select(lines).where(lines.c.version_id.in_(current)).order_by(lines.c.position)):
            if row.version_id in by_version:
                by_version[row.version_id].lines.append(_line(row))
        events = sa.select(decisions.c.version_id, decisions.c.action).where(
            decisions.c.version_id.in_(current), decisions.c.action.in_(("confirm", "query"))
        )
        for row in conn.execute(events):
            if row.version_id in by_version:
                by_version[row.version_id].events.append(row.action)
    return list(found.values())


def load_note(engine: Engine, note_id: int) -> NoteView | None:
    found = load_notes(engine, [note_id], with_text=True)
    return found[0] if found else None


def history(engine: Engine, note_id: int) -> list[dict]:
    """Every decision on a note, oldest first, across its versions."""
    query = sa.select(decisions).where(decisions.c.note_id == note_id).order_by(decisions.c.id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def decide(
    engine: Engine,
    line_id: int,
    rev: int,
    user: str,
    action: str,
    *,
    code: str | None = None,
    units: object = None,
    modifiers: list[str] | None = None,
    reason: str | None = None,
    comment: str | None = None,
) -> None:
    """Accept, edit or reject a line, as one transaction with its audit row. Conflict when the
    line's `rev` is no longer `rev` (someone decided it since) or its note was re-coded."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(lines, versions.c.note_id, notes.c.current_version)
            .join(versions, versions.c.id == lines.c.version_id)
            .join(notes, notes.c.id == versions.c.note_id)
            .where(lines.c.id == line_id)
        ).first()
        if row is None:
            raise InvalidDecision(f"there is no line {line_id}")
        if row.current_version != row.version_id:
            raise Conflict("the note was re-coded since this page was loaded: reload it and decide again")
        line = _line(row)
        if action == "accept":
            values: dict = {"status": "accepted" if line.suggestion else "added", "reason": None}
            if line.suggestion:  # accepting restores the suggestion, whatever an earlier edit said
                values |= {"code": line.suggestion["code"], "units": line.suggestion["units"]}
                values |= {"modifiers": ";".join(line.suggestion["modifiers"])}
        elif action == "edit":
            code, number, modifiers = _checked(code, units, modifiers)
            values = {"status": "edited" if line.suggestion else "added", "code": code, "units": number}
            values |= {"modifiers": ";".join(modifiers), "reason": None}
        elif action == "reject":
            values = {"status": "rejected", "reason": _reason(reason, comment)}
        else:
            raise InvalidDecision(f"unknown decision {action!r}")
        stamp = now()
        done = conn.execute(
            sa.update(lines)
            .where(lines.c.id == line_id, lines.c.rev == rev)
            .values(**values, rev=lines.c.rev + 1, decided_by=user, decided_at=stamp)
        )
        if done.rowcount != 1:
            _, by, at = _last_decision(conn, line_id)
            raise Conflict(
                f"{by} decided this line at {at} since this page was loaded: reload it to see their decision"
            )
        final = conn.execute(sa.select(lines).where(lines.c.id == line_id)).one()
        conn.execute(
            sa.insert(decisions).values(
                note_id=row.note_id,
                version_id=row.version_id,
                line_id=line_id,
                user=user,
                at=stamp,
                action=action,
                suggestion=json.dumps(line.suggestion) if line.suggestion else None,
                final=None if action == "reject" else json.dumps(_line(final).final),
                reason=values.get("reason"),
                comment=comment or None,
            )
        )


def _last_decision(conn: Connection, line_id: int) -> tuple[str, str, str]:
    last = conn.execute(
        sa.select(decisions.c.action, decisions.c.user, decisions.c.at)
        .where(decisions.c.line_id == line_id)
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).first()
    if last is None:  # pragma: no cover - a rev moves only with a decision
        return "", "someone", "an unknown time"
    return last.action, last.user, last.at.strftime("%Y-%m-%d %H:%M:%S UTC")


def add_line(
    engine: Engine,
    note_id: int,
    version_id: int,
    user: str,
    code: str | None,
    units: object,
    modifiers: list[str],
    levels: str,
) -> int:
    """A line the suggestions missed, added by a coder (billed as "added")."""
    code, number, modifiers = _checked(code, units, modifiers)
    with engine.begin() as conn:
        _check_current(conn, note_id, version_id)
        position = conn.execute(sa.select(sa.func.count()).where(lines.c.version_id == version_id)).scalar_one()
        stamp = now()
        final = {"code": code, "units": number, "modifiers": modifiers, "levels": levels.split()}
        line_id = conn.execute(
            sa.insert(lines).values(
                version_id=version_id,
                position=position,
                suggestion=None,
                status="added",
                code=code,
                units=number,
                modifiers=";".join(modifiers),
                levels=" ".join(levels.split()),
                rev=1,
                decided_by=user,
                decided_at=stamp,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(
            sa.insert(decisions).values(
                note_id=note_id,
                version_id=version_id,
                line_id=line_id,
                user=user,
                at=stamp,
                action="add",
                final=json.dumps(final),
            )
        )
    return line_id


def note_event(engine: Engine, note_id: int, version_id: int, user: str, action: str, comment: str = "") -> None:
    """A decision about the whole note: a comment, a query to the physician, or "confirm" (the
    note bills nothing)."""
    if action not in ("comment", "query", "confirm"):
        raise InvalidDecision(f"unknown decision {action!r}")
    if action in ("comment", "query") and not comment.strip():
        raise InvalidDecision(f"a {action} needs its text")
    with engine.begin() as conn:
        _check_current(conn, note_id, version_id)
        conn.execute(
            sa.insert(decisions).values(
                note_id=note_id,
                version_id=version_id,
                user=user,
                at=now(),
                action=action,
                comment=comment.strip() or None,
            )
        )


def _check_current(conn: Connection, note_id: int, version_id: int) -> None:
    current = conn.execute(sa.select(notes.c.current_version).where(notes.c.id == note_id)).scalar()
    if current is None:
        raise InvalidDecision(f"there is no note {note_id}")
    if current != version_id:
        raise Conflict("the note was re-coded since this page was loaded: reload it and decide again")
