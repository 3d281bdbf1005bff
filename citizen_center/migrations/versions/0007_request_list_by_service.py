"""an index for a service's latest requests (the Open311 list filtered by service_code)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02

Without it, a service with few requests in the window made PostgreSQL walk the whole window
backwards on created_at (150 ms on 1 M requests, bench/web.py); with it the list reads only
that service's rows.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
# 0006 (the citizen page's follow code) is on another branch: whoever merges both sets "0006".
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_service_request_service_created",
        "service_request",
        ["service_type_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_service_request_service_created", table_name="service_request")
