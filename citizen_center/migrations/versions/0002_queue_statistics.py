"""queue statistics: queue_log events and files, queue calls, agent pauses

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_hash", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("callid", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_event")),
        sa.UniqueConstraint("line_hash", name=op.f("uq_queue_event_line_hash")),
    )
    op.create_index(op.f("ix_queue_event_agent"), "queue_event", ["agent"], unique=False)
    op.create_index(op.f("ix_queue_event_at"), "queue_event", ["at"], unique=False)
    op.create_index(op.f("ix_queue_event_callid"), "queue_event", ["callid"], unique=False)
    op.create_table(
        "queue_log_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=40), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_log_file")),
        sa.UniqueConstraint("path", name=op.f("uq_queue_log_file_path")),
    )
    op.create_table(
        "agent_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_agent_pause_agent_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_pause")),
        sa.UniqueConstraint("agent", "started_at", name="uq_agent_pause_agent_started"),
    )
    op.create_index(op.f("ix_agent_pause_started_at"), "agent_pause", ["started_at"], unique=False)
    op.create_table(
        "queue_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("callid", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("exit_event", sa.String(length=32), nullable=False),
        sa.Column("wait_seconds", sa.Float(), nullable=False),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.Column("agent", sa.String(length=80), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_queue_call_agent_id_app_user")
        ),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"], name=op.f("fk_queue_call_call_id_call")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_call")),
        sa.UniqueConstraint(
            "callid", "queue", "entered_at", name="uq_queue_call_callid_queue_entered"
        ),
    )
    op.create_index(op.f("ix_queue_call_agent"), "queue_call", ["agent"], unique=False)
    op.create_index(op.f("ix_queue_call_call_id"), "queue_call", ["call_id"], unique=False)
    op.create_index(op.f("ix_queue_call_callid"), "queue_call", ["callid"], unique=False)
    op.create_index(
        "ix_queue_call_entered_queue", "queue_call", ["entered_at", "queue"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_queue_call_entered_queue", table_name="queue_call")
    op.drop_index(op.f("ix_queue_call_callid"), table_name="queue_call")
    op.drop_index(op.f("ix_queue_call_call_id"), table_name="queue_call")
    op.drop_index(op.f("ix_queue_call_agent"), table_name="queue_call")
    op.drop_table("queue_call")
    op.drop_index(op.f("ix_agent_pause_started_at"), table_name="agent_pause")
    op.drop_table("agent_pause")
    op.drop_table("queue_log_file")
    op.drop_index(op.f("ix_queue_event_callid"), table_name="queue_event")
    op.drop_index(op.f("ix_queue_event_at"), table_name="queue_event")
    op.drop_index(op.f("ix_queue_event_agent"), table_name="queue_event")
    op.drop_table("queue_event")
