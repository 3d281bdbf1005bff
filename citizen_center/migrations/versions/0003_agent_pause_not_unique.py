"""agent pauses: several may start within the same second

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent_pause", schema=None) as batch_op:
        batch_op.drop_constraint("uq_agent_pause_agent_started", type_="unique")
        batch_op.create_index("ix_agent_pause_agent", ["agent"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agent_pause", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_pause_agent")
        batch_op.create_unique_constraint("uq_agent_pause_agent_started", ["agent", "started_at"])
