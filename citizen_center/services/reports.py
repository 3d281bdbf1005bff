"""Supervisors' and the city's reports: calls, satisfaction, channels, late and reopened requests.

A request closed as the duplicate of another (``services.duplicates``) was not resolved by the
secretariat: request figures count it apart ("duplicadas"), never among the resolved ones.

Every report is one aggregate query (GROUP BY in the database, never rows pulled into Python) and
returns a list of frozen dataclasses, one per group, that the desktop shows as a table or a chart
and ``report_export`` writes as CSV or PDF. Nothing here knows about Qt.

Periods are half-open ``[start, end)`` in UTC; hours, days and months are the city's local ones
(``sqltime``). Call figures come from ``QueueCall`` (Asterisk's queue_log, or demo data):

* offered: stays that ended in the queue (callers still waiting are not counted yet);
* short abandons: hung up within ``short_abandon_seconds``; counted apart, and left out of the
  service level's and the abandonment rate's base (nobody could have answered them);
* service level: answered within ``service_level_seconds`` / (offered - short abandons);
* ASA: mean wait of answered calls; AHT: mean talk time of completed calls (queue_log has no
  wrap-up time; the desktop's wrap-up is not part of it).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from citizen_center.config import ReportsSettings
from citizen_center.domain.outcomes import QueueOutcome
from citizen_center.domain.workflow import PENDING, Channel, Status
from citizen_center.models import (
    AgentPause,
    QueueCall,
    Secretariat,
    ServiceRequest,
    ServiceType,
    SurveyResponse,
    User,
    utcnow,
)
from citizen_center.sqltime import Grain, bucket_label, local_bucket, seconds_between

NO_KEY = "—"


# --- what a report covers, and the rules it applies ---------------------------------------------


@dataclass(frozen=True)
class Period:
    """``[start, end)``, aware datetimes."""

    start: datetime
    end: datetime

    @classmethod
    def days(cls, first: date, last: date, tz: str) -> Period:
        """From local midnight of ``first`` to local midnight after ``last``."""
        zone = ZoneInfo(tz)
        start = datetime(first.year, first.month, first.day, tzinfo=zone)
        after = last + timedelta(days=1)
        return cls(start, datetime(after.year, after.month, after.day, tzinfo=zone))

    @classmethod
    def last_months(cls, count: int, tz: str, now: datetime | None = None) -> Period:
        """The current local month and the ``count - 1`` before it, up to ``now``."""
        moment = (now or utcnow()).astimezone(ZoneInfo(tz))
        year, month = moment.year, moment.month - (count - 1)
        while month < 1:
            year, month = year - 1, month + 12
        return cls(datetime(year, month, 1, tzinfo=ZoneInfo(tz)), moment + timedelta(seconds=1))

    def describe(self, tz: str) -> str:
        zone = ZoneInfo(tz)
        last = self.end.astimezone(zone) - timedelta(microseconds=1)
        return f"{self.start.astimezone(zone):%d/%m/%Y} a {last:%d/%m/%Y}"


@dataclass(frozen=True)
class ReportOptions:
    """The service-level rule and the city's time zone."""

    service_level_seconds: int = 30
    service_level_target_percent: float = 80.0
    short_abandon_seconds: int = 5
    timezone: str = "America/Sao_Paulo"

    @classmethod
    def from_settings(cls, reports: ReportsSettings, timezone: str) -> ReportOptions:
        return cls(
            service_level_seconds=reports.service_level_seconds,
            service_level_target_percent=reports.service_level_target_percent,
            short_abandon_seconds=reports.short_abandon_seconds,
            timezone=timezone,
        )


DEFAULT_OPTIONS = ReportOptions()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    # SUM(CASE ...) rather than COUNT(*) FILTER: SQLite before 3.30 lacks FILTER.
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The result rows as plain tuples (aggregates are untyped anyway)."""
    return [tuple(row) for row in session.execute(statement)]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: Any, digits: int = 1) -> float | None:
    return round(float(value), digits) if value is not None else None


# --- calls ------------------------------------------------------------------------------------


class CallDimension(enum.StrEnum):
    TOTAL = "total"
    QUEUE = "queue"
    AGENT = "agent"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class CallStats:
    key: str
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    other_exits: int  # timed out, left an empty queue, pressed a key (overflow included)
    answered_within: int
    service_level: float | None  # 0..1
    meets_target: bool | None
    abandon_rate: float | None  # 0..1, short abandons excluded
    asa_seconds: float | None
    aht_seconds: float | None


_CALL_GRAINS = {
    CallDimension.HOUR: Grain.HOUR,
    CallDimension.DAY: Grain.DAY,
    CallDimension.MONTH: Grain.MONTH,
}


def _call_key(dimension: CallDimension, dialect: str, tz: str) -> SQLColumnExpression[Any]:
    if dimension in _CALL_GRAINS:
        return local_bucket(QueueCall.entered_at, _CALL_GRAINS[dimension], tz, dialect)
    if dimension is CallDimension.QUEUE:
        return QueueCall.queue
    if dimension is CallDimension.AGENT:
        return QueueCall.agent
    return literal_column("'total'")


def call_stats(
    session: Session,
    period: Period,
    by: CallDimension = CallDimension.QUEUE,
    options: ReportOptions = DEFAULT_OPTIONS,
    queue: str | None = None,
) -> list[CallStats]:
    """Offered, answered, abandoned, service level, ASA and AHT per queue, agent, hour, day or
    month. By agent, only calls an agent answered count (nobody was offered the others)."""
    key: ColumnElement[Any] = _call_key(by, _dialect(session), options.timezone).label("key")
    outcome, wait = QueueCall.outcome, QueueCall.wait_seconds
    answered = outcome == QueueOutcome.ANSWERED
    short = and_(outcome == QueueOutcome.ABANDONED, wait < options.short_abandon_seconds)
    statement = select(
        key,
        _count_if(outcome != QueueOutcome.WAITING),
        _count_if(answered),
        _count_if(and_(outcome == QueueOutcome.ABANDONED, wait >= options.short_abandon_seconds)),
        _count_if(short),
        _count_if(outcome.in_((QueueOutcome.TIMEOUT, QueueOutcome.EMPTY, QueueOutcome.KEY))),
        _count_if(and_(answered, wait <= options.service_level_seconds)),
        func.avg(case((answered, wait))),
        func.avg(case((answered, QueueCall.talk_seconds))),
    ).where(QueueCall.entered_at >= period.start, QueueCall.entered_at < period.end)
    if by is not CallDimension.TOTAL:  # PostgreSQL refuses GROUP BY a constant
        statement = statement.group_by(key).order_by(key)
    if queue is not None:
        statement = statement.where(QueueCall.queue == queue)
    if by is CallDimension.AGENT:
        statement = statement.where(answered, QueueCall.agent != "")
    grain = _CALL_GRAINS.get(by)
    return [_call_row(row, grain, options) for row in _rows(session, statement)]


def _call_row(row: Sequence[Any], grain: Grain | None, options: ReportOptions) -> CallStats:
    key, offered, answered, abandoned, short, other, within, asa, aht = row
    base = int(offered) - int(short)
    level = _ratio(int(within), base)
    return CallStats(
        key=bucket_label(key, grain, options.timezone) if grain else str(key or NO_KEY),
        offered=int(offered),
        answered=int(answered),
        abandoned=int(abandoned),
        short_abandoned=int(short),
        other_exits=int(other),
        answered_within=int(within),
        service_level=level,
        meets_target=None if level is None else level * 100 >= options.service_level_target_percent,
        abandon_rate=_ratio(int(abandoned), base),
        asa_seconds=_round(asa),
        aht_seconds=_round(aht),
    )


# --- agents' pauses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PauseStats:
    agent: str
    reason: str
    pauses: int
    seconds: float


def pause_stats(session: Session, period: Period, now: datetime | None = None) -> list[PauseStats]:
    """Time in pause per agent and reason, for pauses that began in the period (an open pause
    counts until ``now``)."""
    until = (now or utcnow()).astimezone(UTC)
    ended = func.coalesce(AgentPause.ended_at, literal(until, AgentPause.ended_at.type))
    seconds = func.sum(seconds_between(AgentPause.started_at, ended, _dialect(session)))
    statement = (
        select(AgentPause.agent, AgentPause.reason, func.count(), seconds)
        .where(AgentPause.started_at >= period.start, AgentPause.started_at < period.end)
        .group_by(AgentPause.agent, AgentPause.reason)
        .order_by(AgentPause.agent, AgentPause.reason)
    )
    return [
        PauseStats(agent, reason or NO_KEY, int(count), round(float(total or 0), 1))
        for agent, reason, count, total in _rows(session, statement)
    ]


# --- satisfaction ---------------------------------------------------------------------------------


class SatisfactionDimension(enum.StrEnum):
    TOTAL = "total"
    MONTH = "month"
    AGENT = "agent"
    SERVICE = "service"


@dataclass(frozen=True)
class SatisfactionStats:
    key: str
    responses: int
    average: float | None
    score_1: int
    score_2: int
    score_3: int
    score_4: int
    score_5: int
    satisfied_share: float | None  # 4 or 5, 0..1


def satisfaction(
    session: Session,
    period: Period,
    by: SatisfactionDimension = SatisfactionDimension.MONTH,
    options: ReportOptions = DEFAULT_OPTIONS,
) -> list[SatisfactionStats]:
    """The 1-5 survey: average and distribution, in total or per month (the trend), agent or
    service."""
    score = SurveyResponse.score
    statement: Select[Any]
    key: ColumnElement[Any]
    if by is SatisfactionDimension.MONTH:
        key = local_bucket(SurveyResponse.at, Grain.MONTH, options.timezone, _dialect(session))
    elif by is SatisfactionDimension.AGENT:
        key = func.coalesce(User.full_name, SurveyResponse.agent_interface)
    elif by is SatisfactionDimension.SERVICE:
        key = func.coalesce(ServiceType.name, literal_column(f"'{NO_KEY}'"))
    else:
        key = literal_column("'total'")
    key = key.label("key")
    statement = select(
        key, func.count(), func.avg(score), *(_count_if(score == n) for n in range(1, 6))
    ).where(SurveyResponse.at >= period.start, SurveyResponse.at < period.end)
    if by is SatisfactionDimension.AGENT:
        statement = statement.outerjoin(User, User.id == SurveyResponse.agent_id)
    elif by is SatisfactionDimension.SERVICE:
        statement = statement.outerjoin(
            ServiceType, ServiceType.id == SurveyResponse.service_type_id
        )
    if by is not SatisfactionDimension.TOTAL:
        statement = statement.group_by(key).order_by(key)
    grain = Grain.MONTH if by is SatisfactionDimension.MONTH else None
    rows = []
    for key_value, responses, average, *scores in _rows(session, statement):
        counts = [int(s) for s in scores]
        rows.append(
            SatisfactionStats(
                key=bucket_label(key_value, grain, options.timezone)
                if grain
                else str(key_value or NO_KEY),
                responses=int(responses),
                average=_round(average, 2),
                score_1=counts[0],
                score_2=counts[1],
                score_3=counts[2],
                score_4=counts[3],
                score_5=counts[4],
                satisfied_share=_ratio(counts[3] + counts[4], int(responses)),
            )
        )
    return rows


@dataclass(frozen=True)
class ChannelSatisfaction:
    """One channel's surveys in one local month."""

    month: str
    channel: Channel
    responses: int
    average: float | None
    satisfied_share: float | None  # 4 or 5, 0..1


def satisfaction_by_channel(
    session: Session, period: Period, options: ReportOptions = DEFAULT_OPTIONS
) -> list[ChannelSatisfaction]:
    """Average score and number of answers per month and channel: whether citizens who file on
    the web or the app are as satisfied as callers (each channel asks its own survey)."""
    month = local_bucket(SurveyResponse.at, Grain.MONTH, options.timezone, _dialect(session)).label(
        "month"
    )
    score = SurveyResponse.score
    statement = (
        select(month, SurveyResponse.channel, func.count(), func.avg(score), _count_if(score >= 4))
        .where(SurveyResponse.at >= period.start, SurveyResponse.at < period.end)
        .group_by(month, SurveyResponse.channel)
    )
    rows = [
        ChannelSatisfaction(
            month=bucket_label(bucket, Grain.MONTH, options.timezone),
            channel=Channel(channel),
            responses=int(responses),
            average=_round(average, 2),
            satisfied_share=_ratio(int(satisfied), int(responses)),
        )
        for bucket, channel, responses, average, satisfied in _rows(session, statement)
    ]
    # Channels in the enum's order (phone first), not alphabetically by their codes.
    order = {channel: n for n, channel in enumerate(Channel)}
    return sorted(rows, key=lambda row: (row.month, order[row.channel]))


# --- requests: channels, late, reopened ---------------------------------------------------------


@dataclass(frozen=True)
class ChannelMix:
    month: str
    total: int
    phone: int
    app: int
    whatsapp: int
    web: int
    email: int
    in_person: int

    def share(self, channel: Channel) -> float | None:
        return _ratio(int(getattr(self, channel.value)), self.total)


def channel_mix(
    session: Session, period: Period, options: ReportOptions = DEFAULT_OPTIONS
) -> list[ChannelMix]:
    """Requests opened per month and channel (phone, app, WhatsApp, web, e-mail, in person)."""
    month = local_bucket(
        ServiceRequest.created_at, Grain.MONTH, options.timezone, _dialect(session)
    ).label("month")
    statement = (
        select(month, ServiceRequest.channel, func.count())
        .where(ServiceRequest.created_at >= period.start, ServiceRequest.created_at < period.end)
        .group_by(month, ServiceRequest.channel)
    )
    months: dict[str, dict[str, int]] = {}
    for bucket, channel, count in _rows(session, statement):
        label = bucket_label(bucket, Grain.MONTH, options.timezone)
        months.setdefault(label, {})[Channel(channel).value] = int(count)
    return [
        ChannelMix(
            month=label,
            total=sum(counts.values()),
            **{c.value: counts.get(c.value, 0) for c in Channel},
        )
        for label, counts in sorted(months.items())
    ]


@dataclass(frozen=True)
class LateRequests:
    secretariat: str
    service: str  # NO_KEY when grouped by secretariat only
    pending: int
    late: int
    late_share: float | None
    oldest_due: datetime | None


def late_requests(
    session: Session, now: datetime | None = None, by_service: bool = True
) -> list[LateRequests]:
    """Pending requests and the late ones among them, per secretariat (and service), now."""
    moment = now or utcnow()
    is_late = ServiceRequest.expected_at < moment
    groups: list[SQLColumnExpression[Any]] = [Secretariat.code]
    if by_service:
        groups.append(ServiceType.name)
    statement = (
        select(
            *groups,
            func.count(),
            _count_if(is_late),
            func.min(case((is_late, ServiceRequest.expected_at))),
        )
        .join(Secretariat, Secretariat.id == ServiceRequest.secretariat_id)
        .where(ServiceRequest.status.in_(sorted(PENDING)))
        .group_by(*groups)
        .order_by(*groups)
    )
    if by_service:
        statement = statement.join(ServiceType, ServiceType.id == ServiceRequest.service_type_id)
    rows = _rows(session, statement)
    if not by_service:
        rows = [(code, NO_KEY, *rest) for code, *rest in rows]
    return [
        LateRequests(
            code, name, int(pending), int(late), _ratio(int(late), int(pending)), _aware(oldest)
        )
        for code, name, pending, late, oldest in rows
    ]


def _aware(value: Any) -> datetime | None:
    # MIN() over a CASE loses the column type, so SQLite hands back its stored text.
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReopenStats:
    secretariat: str
    requests: int
    resolved: int  # resolved at least once (by the secretariat: duplicates are not)
    duplicates: int  # closed as the duplicate of another request
    reopened: int  # requests the citizen reopened at least once
    reopenings: int
    reopen_rate: float | None  # reopened / resolved


def reopened_by_secretariat(session: Session, period: Period) -> list[ReopenStats]:
    """Requests opened in the period that citizens reopened, against the secretariat that had
    them: a request marked resolved when it was not counts against it. A request closed as a
    duplicate was not resolved by the secretariat (its parent was worked on): counted apart."""
    reopened = ServiceRequest.reopen_count > 0
    duplicate = ServiceRequest.duplicate_of_id.is_not(None)
    closed_by_the_secretariat = and_(
        ServiceRequest.status.in_((Status.RESOLVED, Status.CLOSED)),
        ServiceRequest.duplicate_of_id.is_(None),
    )
    statement = (
        select(
            Secretariat.code,
            func.count(),
            _count_if(closed_by_the_secretariat | reopened),
            _count_if(duplicate),
            _count_if(reopened),
            func.coalesce(func.sum(ServiceRequest.reopen_count), 0),
        )
        .join(Secretariat, Secretariat.id == ServiceRequest.secretariat_id)
        .where(ServiceRequest.created_at >= period.start, ServiceRequest.created_at < period.end)
        .group_by(Secretariat.code)
        .order_by(Secretariat.code)
    )
    return [
        ReopenStats(
            code,
            int(total),
            int(resolved),
            int(duplicated),
            int(again),
            int(times),
            _ratio(int(again), int(resolved)),
        )
        for code, total, resolved, duplicated, again, times in _rows(session, statement)
    ]
