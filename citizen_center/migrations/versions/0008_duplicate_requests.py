"""duplicate requests: a request's parent, and the changes that link or unlink it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

``service_request.duplicate_of_id`` points a request closed as a duplicate at the request it
repeats (indexed: a parent's duplicates are looked up when it becomes a duplicate itself);
``request_event.duplicate_of_id`` marks the changes that made or undid that link, so the public
history tells them from ordinary closings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_service_request_duplicate_of_id"), ["duplicate_of_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_service_request_duplicate_of_id_service_request"),
            "service_request",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_request_event_duplicate_of_id_service_request"),
            "service_request",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_request_event_duplicate_of_id_service_request"), type_="foreignkey"
        )
        batch_op.drop_column("duplicate_of_id")
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_service_request_duplicate_of_id_service_request"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_service_request_duplicate_of_id"))
        batch_op.drop_column("duplicate_of_id")
