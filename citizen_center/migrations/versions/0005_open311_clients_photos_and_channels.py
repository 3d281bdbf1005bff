"""open311 api clients, photos, coordinates, channels on changes and surveys

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_hint", sa.String(length=8), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "phone",
                "app",
                "whatsapp",
                "web",
                "email",
                "in_person",
                name="api_client_channel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_client_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_api_client_name")),
    )
    op.create_table(
        "request_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_request.id"],
            name=op.f("fk_request_photo_request_id_service_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_photo")),
        sa.UniqueConstraint("request_id", "seq", name="uq_request_photo_request_seq"),
    )
    with op.batch_alter_table("request_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_photo_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "phone",
                    "app",
                    "whatsapp",
                    "web",
                    "email",
                    "in_person",
                    name="event_channel",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )

    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("api_client_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_service_request_api_client_id"), ["api_client_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_service_request_api_client_id_api_client"),
            "api_client",
            ["api_client_id"],
            ["id"],
        )

    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        # The server default fills the rows that exist; new rows get it from the model too.
        batch_op.add_column(sa.Column("comment", sa.Text(), server_default="", nullable=False))
        batch_op.create_index(
            batch_op.f("ix_survey_response_request_id"), ["request_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_response_request_id_service_request"),
            "service_request",
            ["request_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_response_request_id_service_request"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_survey_response_request_id"))
        batch_op.drop_column("comment")
        batch_op.drop_column("request_id")

    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_service_request_api_client_id_api_client"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_service_request_api_client_id"))
        batch_op.drop_column("api_client_id")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")

    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_request_event_event_channel"), type_="check")
        batch_op.drop_column("channel")

    with op.batch_alter_table("request_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_photo_request_id"))

    op.drop_table("request_photo")
    op.drop_table("api_client")
