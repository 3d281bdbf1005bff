"""Counts for a quick look at a database (``central156 db status``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from citizen_center.db import Database
from citizen_center.domain.workflow import Status
from citizen_center.models import Call, Citizen, ServiceRequest, SurveyResponse
from citizen_center.services.requests import count_late_by_secretariat


@dataclass(frozen=True)
class Overview:
    citizens: int
    # Duplicates left out: closed as the duplicate of another, not by the secretariat.
    requests_by_status: dict[Status, int]
    late_by_secretariat: dict[str, int]
    calls: int
    surveys: int
    duplicates: int = 0  # requests closed as the duplicate of another (services.duplicates)


def count_requests(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(ServiceRequest)) or 0


def overview(database: Database) -> Overview:
    with database.transaction() as session:
        duplicate = ServiceRequest.duplicate_of_id.is_not(None)
        by_status: dict[Status, int] = {}
        duplicates = 0
        for status, is_duplicate, count in session.execute(
            select(ServiceRequest.status, duplicate, func.count()).group_by(
                ServiceRequest.status, duplicate
            )
        ):
            if is_duplicate:
                duplicates += count
            else:
                by_status[status] = count
        return Overview(
            citizens=session.scalar(select(func.count()).select_from(Citizen)) or 0,
            requests_by_status=by_status,
            late_by_secretariat=count_late_by_secretariat(session),
            calls=session.scalar(select(func.count()).select_from(Call)) or 0,
            surveys=session.scalar(select(func.count()).select_from(SurveyResponse)) or 0,
            duplicates=duplicates,
        )


def describe_overview(data: Overview) -> str:
    total = sum(data.requests_by_status.values()) + data.duplicates
    lines = [f"citizens: {data.citizens}", f"requests: {total}"]
    lines += [
        f"  {status.label_pt}: {data.requests_by_status[status]}"
        for status in Status
        if status in data.requests_by_status
    ]
    if data.duplicates:
        lines.append(f"  duplicadas (unidas a outro protocolo): {data.duplicates}")
    late = sum(data.late_by_secretariat.values())
    lines.append(f"late requests: {late}")
    lines += [
        f"  {code}: {count}"
        for code, count in sorted(data.late_by_secretariat.items(), key=lambda item: -item[1])
    ]
    lines.append(f"calls: {data.calls}, survey responses: {data.surveys}")
    return "\n".join(lines)
