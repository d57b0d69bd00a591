"""The first schema: notes, their versions, code lines and the audit trail of decisions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False, server_default=""),
        sa.Column("current_version", sa.Integer, nullable=True),
        sa.UniqueConstraint("path", "source_id", name="uq_notes_identity"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note_id", sa.Integer, sa.ForeignKey("notes.id"), nullable=False, index=True),
        sa.Column("sha256", sa.Text, nullable=True),
        sa.Column("disposition", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("suggestion", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("modifiers", sa.Text, nullable=False, server_default=""),
        sa.Column("levels", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("rev", sa.Integer, nullable=False, server_default="0"),
        sa.Column("decided_by", sa.Text, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note_id", sa.Integer, sa.ForeignKey("notes.id"), nullable=False, index=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=False),
        sa.Column("line_id", sa.Integer, sa.ForeignKey("lines.id"), nullable=True),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("suggestion", sa.Text, nullable=True),
        sa.Column("final", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("decisions", "lines", "versions", "notes"):
        op.drop_table(table)
