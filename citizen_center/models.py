"""The persistent domain: SQLAlchemy 2 typed ORM models.

Schema changes go through Alembic (``citizen_center/migrations``); ``create_all`` is used only by
tests that compare the models with the migrations.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from citizen_center.domain.access import LoginFailure
from citizen_center.domain.deadlines import DeadlineKind
from citizen_center.domain.outcomes import CallOutcome, QueueOutcome
from citizen_center.domain.workflow import Channel, Role, Status

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in UTC on both engines (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(
    kind: type[enum.StrEnum], name: str, *, length: int = 20, constraint: bool = True
) -> Enum:
    """Enums stored as their values in a VARCHAR with a CHECK constraint (portable, readable).

    ``constraint=False`` for columns that were plain strings before their enum existed: the
    schema stays as it was, and only the application checks the values.
    """
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=constraint,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, typed as one (for Core INSERTs on the hot paths)."""
    return Base.metadata.tables[model.__tablename__]


class Secretariat(Base):
    __tablename__ = "secretariat"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")

    focal_points: Mapped[list[FocalPoint]] = relationship(back_populates="secretariat")


class FocalPoint(Base):
    """The person in a secretariat who receives forwarded requests."""

    __tablename__ = "focal_point"
    __table_args__ = (
        # At most one primary focal point per secretariat.
        Index(
            "uq_focal_point_primary",
            "secretariat_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    secretariat_id: Mapped[int] = mapped_column(ForeignKey("secretariat.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    secretariat: Mapped[Secretariat] = relationship(back_populates="focal_points")


class ServiceType(Base):
    __tablename__ = "service_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    group_name: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    secretariat_id: Mapped[int] = mapped_column(ForeignKey("secretariat.id"))
    # NULL kind: no published deadline, the configured default applies.
    deadline_kind: Mapped[DeadlineKind | None] = mapped_column(
        str_enum(DeadlineKind, "deadline_kind")
    )
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    requires_address: Mapped[bool] = mapped_column(Boolean, default=True)
    allows_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    catalogue_version: Mapped[str] = mapped_column(String(20), default="")

    secretariat: Mapped[Secretariat] = relationship()


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    secretariat_id: Mapped[int | None] = mapped_column(ForeignKey("secretariat.id"))
    # The agent's phone, e.g. PJSIP/agent1001, used as the queue member interface.
    phone_interface: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Wrong passwords since the last right one; reaching the limit sets locked_until.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None]


class LoginAttempt(Base):
    """One try to log in, right or wrong, kept for the lockout's audit trail.

    ``username`` is what was typed (cut to the column), so tries at names that do not exist are
    kept too; ``user_id`` is set when the name was a user's.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (CheckConstraint("succeeded = (failure IS NULL)", name="failure_iff_refused"),)

    USERNAME_LENGTH: ClassVar[int] = 60
    SOURCE_LENGTH: ClassVar[int] = 120

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    # Where the attempt came from: a client address, a workstation's name.
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH), default="")
    succeeded: Mapped[bool] = mapped_column(Boolean)
    failure: Mapped[LoginFailure | None] = mapped_column(str_enum(LoginFailure, "login_failure"))


class Citizen(Base):
    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    cpf: Mapped[str | None] = mapped_column(String(11), unique=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phones: Mapped[list[CitizenPhone]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="CitizenPhone.id"
    )
    addresses: Mapped[list[CitizenAddress]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="CitizenAddress.id"
    )


class CitizenPhone(Base):
    __tablename__ = "citizen_phone"
    __table_args__ = (UniqueConstraint("citizen_id", "e164", name="uq_citizen_phone_citizen_e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"))
    # Several citizens may share a phone (a family's landline), so not unique on its own.
    e164: Mapped[str] = mapped_column(String(20), index=True)
    label: Mapped[str] = mapped_column(String(40), default="")

    citizen: Mapped[Citizen] = relationship(back_populates="phones")


class AddressFields:
    """Columns an address has, on a citizen's address book and on a request."""

    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    complement: Mapped[str] = mapped_column(String(100), default="")
    neighbourhood: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="Porto Alegre")
    zipcode: Mapped[str] = mapped_column(String(8), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")


class CitizenAddress(AddressFields, Base):
    __tablename__ = "citizen_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizen.id", ondelete="CASCADE"), index=True
    )

    citizen: Mapped[Citizen] = relationship(back_populates="addresses")


class ProtocolCounter(Base):
    """The last protocol sequence issued in a year; its row lock serialises concurrent writers."""

    __tablename__ = "protocol_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class ServiceRequest(AddressFields, Base):
    """A citizen's request ("protocolo")."""

    __tablename__ = "service_request"
    __table_args__ = (
        Index("ix_service_request_pending_due", "status", "expected_at"),
        Index("ix_service_request_secretariat_status", "secretariat_id", "status"),
        # A service's latest requests (the Open311 list by service_code), newest first.
        Index("ix_service_request_service_created", "service_type_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(str_enum(Status, "status"), default=Status.OPEN)
    secretariat_id: Mapped[int] = mapped_column(ForeignKey("secretariat.id"))
    focal_point_id: Mapped[int | None] = mapped_column(ForeignKey("focal_point.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The point a citizen marked (WGS 84), when they marked one; the address stays the reference.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # The program that filed it through the Open311 API (the city's app, a partner), if any.
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"), index=True)
    # The SHA-256 of the secret code shown to whoever filed it on the web page: only they may
    # confirm, dispute or rate it there (the protocol number alone is sequential, guessable).
    follow_code_hash: Mapped[str | None] = mapped_column(String(64))
    # The request this one repeats (the same problem reported again), always a root: never
    # itself a duplicate (``services.duplicates``). Set only while it is closed as a duplicate.
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="SET NULL"), index=True
    )
    # The Open311 token the filing program was answered with (``tokens/{token}`` gives back the
    # protocol number); random, so unlike the number it cannot be guessed. None off the API.
    token: Mapped[str | None] = mapped_column(String(32), unique=True)

    service_type: Mapped[ServiceType] = relationship()
    citizen: Mapped[Citizen | None] = relationship()
    secretariat: Mapped[Secretariat] = relationship()
    focal_point: Mapped[FocalPoint | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request",
        order_by="RequestEvent.id",
        cascade="all, delete-orphan",
        foreign_keys="RequestEvent.request_id",
    )
    duplicate_of: Mapped[ServiceRequest | None] = relationship(remote_side=[id])


class RequestEvent(Base):
    """One change of a request: who, when, from which status to which, and why."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Who acted when no user did: "ivr", "system", "citizen".
    actor_label: Mapped[str] = mapped_column(String(60), default="")
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status, "from_status"))
    to_status: Mapped[Status] = mapped_column(str_enum(Status, "to_status"))
    secretariat_id: Mapped[int | None] = mapped_column(ForeignKey("secretariat.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # Where the change came from (a citizen disputing on the web, an agent on the phone); empty
    # for the rows written before channels were recorded on changes.
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "event_channel"))
    # Set on the changes that link the request to a parent as its duplicate, or undo that link:
    # the parent named (the public history tells these apart from ordinary closings).
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="SET NULL")
    )

    request: Mapped[ServiceRequest] = relationship(
        back_populates="events", foreign_keys=[request_id]
    )


class ApiClient(Base):
    """A program allowed to file requests through the Open311 API; only its key's hash is kept."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's first characters, to tell keys apart in listings without storing the key.
    key_hint: Mapped[str] = mapped_column(String(8), default="")
    channel: Mapped[Channel] = mapped_column(
        str_enum(Channel, "api_client_channel"), default=Channel.APP
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class RequestPhoto(Base):
    """A photo a citizen attached to a request, already shrunk and stripped of EXIF/GPS."""

    __tablename__ = "request_photo"
    __table_args__ = (UniqueConstraint("request_id", "seq", name="uq_request_photo_request_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The caller number as the carrier sent it, cut to this (an E.164 number is at most 16): a
# caller ID of thousands of characters is data, not a reason to lose the call record.
CALLER_NUMBER_LENGTH = 32


class Call(Base):
    """A phone call to 156, from the PBX's point of view and the IVR's."""

    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)
    linkedid: Mapped[str] = mapped_column(String(64), default="", index=True)
    caller_number: Mapped[str] = mapped_column(String(CALLER_NUMBER_LENGTH), default="", index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    queue: Mapped[str] = mapped_column(String(40), default="")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    agent_interface: Mapped[str] = mapped_column(String(80), default="")
    wrapup_code: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[CallOutcome] = mapped_column(
        str_enum(CallOutcome, "call_outcome", length=40, constraint=False),
        default=CallOutcome.UNSET,
    )

    steps: Mapped[list[CallStep]] = relationship(
        back_populates="call", order_by="CallStep.seq", cascade="all, delete-orphan"
    )
    request_links: Mapped[list[CallRequest]] = relationship(
        back_populates="call", cascade="all, delete-orphan"
    )


class CallStep(Base):
    """One step of the IVR path: a menu, what was recognised or keyed, the decision."""

    __tablename__ = "call_step"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_call_step_call_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    step: Mapped[str] = mapped_column(String(60))
    recognised_text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str] = mapped_column(String(60), default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    keys: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    call: Mapped[Call] = relationship(back_populates="steps")


class CallRequest(Base):
    """A request a call created or consulted."""

    __tablename__ = "call_request"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("call.id", ondelete="CASCADE"), primary_key=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # created | consulted
    at: Mapped[datetime] = mapped_column(default=utcnow)

    call: Mapped[Call] = relationship(back_populates="request_links")
    request: Mapped[ServiceRequest] = relationship()


class SurveyResponse(Base):
    __tablename__ = "survey_response"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), unique=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    agent_interface: Mapped[str] = mapped_column(String(80), default="")
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("service_type.id"))
    score: Mapped[int] = mapped_column(Integer)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "survey_channel"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The request rated, for the surveys that are about a request rather than a call (the web).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True
    )
    comment: Mapped[str] = mapped_column(Text, default="")


class AuditLog(Base):
    """LGPD: who read or changed which citizen's data, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(60), default="")
    action: Mapped[str] = mapped_column(String(20))  # read | create | update
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen.id"), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


# --- Asterisk's queue_log, imported for the supervisors' statistics ---------------------------


class QueueLogFile(Base):
    """How far a queue_log file has been read, so the next import starts where this one ended.

    ``inode`` and ``head_hash`` (a hash of the file's first line) tell a rotated or truncated file
    from the one read before: then the import starts again from the beginning, and the events'
    natural key keeps lines read twice from counting twice.
    """

    __tablename__ = "queue_log_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    inode: Mapped[int] = mapped_column(BigInteger, default=0)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(40), default="")
    lines: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueueEvent(Base):
    """One line of queue_log, as Asterisk wrote it (``time|callid|queue|agent|event|data...``)."""

    __tablename__ = "queue_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The natural key: a hash of the whole line. The same line read again (a re-read, or the
    # rotated copy of a file already read) is the same event.
    line_hash: Mapped[str] = mapped_column(String(40), unique=True)
    at: Mapped[datetime] = mapped_column(index=True)
    callid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str] = mapped_column(String(80), index=True)
    event: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text, default="")  # data1|data2|... as written


class QueueCall(Base):
    """One caller's stay in one queue, derived from the queue events of its callid.

    A call that overflows from a service queue to the general one has two rows, one per queue:
    each queue offered it. ``outcome``: see ``QueueOutcome``. Short abandons are abandoned rows
    with a short wait; the threshold is a setting, so it is applied in the reports, not stored.
    """

    __tablename__ = "queue_call"
    __table_args__ = (
        UniqueConstraint(
            "callid", "queue", "entered_at", name="uq_queue_call_callid_queue_entered"
        ),
        Index("ix_queue_call_entered_queue", "entered_at", "queue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    callid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(40))
    entered_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[QueueOutcome] = mapped_column(
        str_enum(QueueOutcome, "queue_outcome", constraint=False)
    )
    # The queue_log event that ended the stay (COMPLETEAGENT, ABANDON, EXITWITHTIMEOUT, ...).
    exit_event: Mapped[str] = mapped_column(String(32), default="")
    wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    agent: Mapped[str] = mapped_column(String(80), default="", index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    position: Mapped[int | None] = mapped_column(Integer)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), index=True)


class AgentPause(Base):
    """An agent's pause, with its reason, from PAUSE/PAUSEALL to UNPAUSE/UNPAUSEALL or logoff."""

    __tablename__ = "agent_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not unique with started_at: an agent can pause twice within one second (the wrap-up pause
    # lifted, a reason chosen). The import rebuilds an agent's pauses whole, so no duplicates.
    agent: Mapped[str] = mapped_column(String(80), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
