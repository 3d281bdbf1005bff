"""the Open311 token of a request filed through the API

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

``service_request.token``: the random token a POST requests is answered with, besides the
protocol number, for clients written for token-based servers (GET tokens/{token}). Nullable:
requests opened elsewhere (phone, web page) and before this revision have none. Unique (an
index of its own): the token is how they are found.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_service_request_token"), ["token"])


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_service_request_token"), type_="unique")
        batch_op.drop_column("token")
