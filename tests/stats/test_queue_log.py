"""queue_log import: hand-counted fixture file, idempotence, a growing and a rotated file."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome, QueueOutcome
from citizen_center.models import AgentPause, Call, QueueCall, QueueEvent, QueueLogFile
from citizen_center.services import reports
from citizen_center.services.queue_log import MalformedLineError, import_queue_log, parse_line
from citizen_center.services.reports import CallDimension, CallStats, Period

SAMPLE = Path(__file__).parents[1] / "fixtures" / "data" / "queue_log.sample"
SAMPLE_EVENTS = 37  # 40 lines: two malformed, one empty
TZ = "America/Sao_Paulo"
MARCH = Period.days(date(2026, 3, 1), date(2026, 3, 31), TZ)


def sample_copy(tmp_path: Path) -> Path:
    path = tmp_path / "queue_log"
    shutil.copy(SAMPLE, path)
    return path


def by_key(rows: list[CallStats]) -> dict[str, CallStats]:
    return {row.key: row for row in rows}


def counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(QueueEvent)) or 0,
            session.scalar(select(func.count()).select_from(QueueCall)) or 0,
            session.scalar(select(func.count()).select_from(AgentPause)) or 0,
        )


def test_parse_line_reads_fields_and_rejects_garbage() -> None:
    line = parse_line("1773147612|1773147600.1|agua-esgoto|Ana Souza|CONNECT|12|1773147612.20|2")
    assert line.at == datetime(2026, 3, 10, 13, 0, 12, tzinfo=UTC)
    assert (line.callid, line.queue, line.agent, line.event) == (
        "1773147600.1",
        "agua-esgoto",
        "Ana Souza",
        "CONNECT",
    )
    assert line.number(0) == 12 and line.number(-1) == 2 and line.number(9) is None
    for garbage in ("", "a|b|c", "yesterday|x|q|a|ENTERQUEUE"):
        with pytest.raises(MalformedLineError):
            parse_line(garbage)


def test_sample_file_gives_the_hand_counted_facts(migrated_db: Database, tmp_path: Path) -> None:
    result = import_queue_log(migrated_db, sample_copy(tmp_path))
    assert (result.lines, result.malformed, result.new_events) == (40, 2, SAMPLE_EVENTS)
    assert result.unknown == {"FUTUREEVENT": 1}
    assert counts(migrated_db) == (SAMPLE_EVENTS, 10, 2)

    with migrated_db.transaction() as session:
        queues = by_key(reports.call_stats(session, MARCH, CallDimension.QUEUE))
        water, general, cleaning = queues["agua-esgoto"], queues["geral"], queues["limpeza-urbana"]
        assert (
            water.offered,
            water.answered,
            water.abandoned,
            water.short_abandoned,
            water.other_exits,
            water.answered_within,
        ) == (5, 2, 1, 1, 1, 1)
        assert water.service_level == pytest.approx(1 / 4)  # short abandons left out
        assert water.meets_target is False
        assert (water.asa_seconds, water.aht_seconds) == (28.5, 150.0)
        assert (general.offered, general.answered, general.other_exits) == (3, 2, 1)
        assert general.service_level == pytest.approx(2 / 3)
        assert (general.asa_seconds, general.aht_seconds) == (17.5, 80.0)
        assert (cleaning.offered, cleaning.abandoned, cleaning.abandon_rate) == (1, 1, 1.0)

        (total,) = reports.call_stats(session, MARCH, CallDimension.TOTAL)
        assert (total.offered, total.answered, total.abandoned, total.short_abandoned) == (
            9,
            4,
            2,
            1,
        )
        assert total.service_level == pytest.approx(3 / 8)
        agents = by_key(reports.call_stats(session, MARCH, CallDimension.AGENT))
        assert {k: v.answered for k, v in agents.items()} == {"Ana Souza": 2, "Bruno Lima": 2}
        # 02:30 UTC on the 11th is 23:30 on the 10th in Porto Alegre.
        hours = by_key(reports.call_stats(session, MARCH, CallDimension.HOUR))
        assert {k: v.offered for k, v in hours.items()} == {"10": 8, "23": 1}
        days = reports.call_stats(session, MARCH, CallDimension.DAY)
        assert [(d.key, d.offered) for d in days] == [("2026-03-10", 9)]

        waiting = session.scalar(select(QueueCall).where(QueueCall.callid == "1773148300.7"))
        assert waiting is not None and waiting.outcome is QueueOutcome.WAITING
        overflow = session.scalars(
            select(QueueCall)
            .where(QueueCall.callid == "1773147900.5")
            .order_by(QueueCall.entered_at)
        ).all()
        assert [(s.queue, s.outcome, s.exit_event) for s in overflow] == [
            ("agua-esgoto", QueueOutcome.TIMEOUT, "EXITWITHTIMEOUT"),
            ("geral", QueueOutcome.ANSWERED, "COMPLETECALLER"),
        ]

        pauses = {
            (p.agent, p.reason): p.seconds
            for p in reports.pause_stats(
                session, MARCH, now=datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
            )
        }
        # Bruno paused at 13:33:20 UTC and is still paused at 14:00.
        assert pauses == {("Ana Souza", "almoco"): 3600.0, ("Bruno Lima", "treinamento"): 1600.0}


def test_importing_again_counts_nothing_twice(migrated_db: Database, tmp_path: Path) -> None:
    path = sample_copy(tmp_path)
    import_queue_log(migrated_db, path)
    before = counts(migrated_db)
    again = import_queue_log(migrated_db, path)
    assert again.lines == 0 and again.new_events == 0  # resumed at the saved offset
    # Forget the offset: every line is read again and recognised.
    with migrated_db.transaction() as session:
        session.execute(delete(QueueLogFile))
    reread = import_queue_log(migrated_db, path)
    assert (reread.new_events, reread.duplicates) == (0, SAMPLE_EVENTS)
    assert counts(migrated_db) == before


def test_a_growing_file_is_read_in_pieces_to_the_same_facts(
    migrated_db: Database, tmp_path: Path
) -> None:
    text = SAMPLE.read_text()
    cut = text.index("1773147900.5")  # in the middle of a line: Asterisk still writing it
    cut = text.rindex("\n", 0, cut) + 20
    path = tmp_path / "queue_log"
    path.write_text(text[:cut])
    first = import_queue_log(migrated_db, path, batch_lines=7)
    with path.open("a") as handle:
        handle.write(text[cut:])
    second = import_queue_log(migrated_db, path, batch_lines=7)
    assert first.new_events + second.new_events == SAMPLE_EVENTS
    assert second.duplicates == 0
    assert counts(migrated_db) == (SAMPLE_EVENTS, 10, 2)
    with migrated_db.transaction() as session:
        (total,) = reports.call_stats(session, MARCH, CallDimension.TOTAL)
        assert (total.offered, total.answered) == (9, 4)


def test_a_rotated_file_is_read_from_the_start_without_double_counting(
    migrated_db: Database, tmp_path: Path
) -> None:
    lines = SAMPLE.read_text().splitlines(keepends=True)
    path = tmp_path / "queue_log"
    path.write_text("".join(lines[:20]))
    import_queue_log(migrated_db, path)
    # logrotate: the old file becomes queue_log.1 (grown a little before), a new one starts.
    rotated = tmp_path / "queue_log.1"
    path.rename(rotated)
    rotated.write_text("".join(lines[:25]))
    path.write_text("".join(lines[25:]))
    fresh = import_queue_log(migrated_db, path)
    old = import_queue_log(migrated_db, rotated)
    assert fresh.restarted is True  # same path, another inode: read from the start
    assert old.duplicates >= 1
    assert counts(migrated_db) == (SAMPLE_EVENTS, 10, 2)


def test_queue_facts_link_to_the_ivrs_call_record(migrated_db: Database, tmp_path: Path) -> None:
    with migrated_db.transaction() as session:
        session.add(
            Call(
                uniqueid="1773147600.1",
                caller_number="51999990001",
                started_at=datetime(2026, 3, 10, 12, 59, tzinfo=UTC),
            )
        )
    import_queue_log(migrated_db, sample_copy(tmp_path))
    with migrated_db.transaction() as session:
        linked = session.execute(
            select(QueueCall.callid, Call.uniqueid).join(Call, Call.id == QueueCall.call_id)
        ).all()
    assert linked == [("1773147600.1", "1773147600.1")]


def test_two_pauses_of_one_agent_in_the_same_second(migrated_db: Database, tmp_path: Path) -> None:
    # The desktop lifts the automatic wrap-up pause and the agent picks a reason at once.
    path = tmp_path / "queue_log"
    path.write_text(
        "1790000000|NONE|geral|Ana Souza|PAUSE|pós-atendimento\n"
        "1790000000|NONE|geral|Ana Souza|UNPAUSE|\n"
        "1790000000|NONE|geral|Ana Souza|PAUSE|Treinamento\n"
        "1790000060|NONE|geral|Ana Souza|UNPAUSE|\n"
    )
    import_queue_log(migrated_db, path)
    with migrated_db.transaction() as session:
        pauses = session.scalars(select(AgentPause).order_by(AgentPause.id)).all()
        assert [(p.reason, (p.ended_at - p.started_at).seconds) for p in pauses if p.ended_at] == [
            ("pós-atendimento", 0),
            ("Treinamento", 60),
        ]
    import_queue_log(migrated_db, path)  # and again: still two
    with migrated_db.transaction() as session:
        assert len(session.scalars(select(AgentPause)).all()) == 2


def queued_call(db: Database, uniqueid: str) -> None:
    with db.transaction() as session:
        session.add(
            Call(
                uniqueid=uniqueid,
                caller_number="51999990002",
                started_at=datetime(2026, 3, 10, 12, 59, tzinfo=UTC),
                outcome=CallOutcome.QUEUED,
                queue="agua-esgoto",
            )
        )


def stays_and_end(db: Database, uniqueid: str) -> tuple[list[tuple[str, str]], datetime | None]:
    with db.transaction() as session:
        stays = session.execute(
            select(QueueCall.queue, QueueCall.outcome)
            .where(QueueCall.callid == uniqueid)
            .order_by(QueueCall.entered_at)
        ).all()
        call = session.scalar(select(Call).where(Call.uniqueid == uniqueid))
        assert call is not None and call.outcome is CallOutcome.QUEUED
        return [(q, str(o)) for q, o in stays], call.ended_at


def append(path: Path, *lines: str) -> None:
    with path.open("a") as handle:
        handle.writelines(f"{line}\n" for line in lines)


def test_a_crash_ends_the_waiting_callers_stay_at_the_restart_and_closes_the_call(
    migrated_db: Database, tmp_path: Path
) -> None:
    """A PBX killed mid-queue writes no exit: the next QUEUESTART (read in a later import, as
    the live importer would) is what ends the stay, and the queued call record with it."""
    queued_call(migrated_db, "1773147900.7")
    log = tmp_path / "queue_log"
    append(
        log,
        "1773147800|NONE|NONE|NONE|QUEUESTART|",
        "1773147905|1773147900.7|agua-esgoto|NONE|ENTERQUEUE||51999990002|1",
        "1773147907|1773147900.7|agua-esgoto|NONE|EXITEMPTY|1|1|2",
        "1773147907|1773147900.7|geral|NONE|ENTERQUEUE||51999990002|1",
    )
    import_queue_log(migrated_db, log)
    assert stays_and_end(migrated_db, "1773147900.7") == (
        [("agua-esgoto", "empty"), ("geral", "waiting")],
        None,  # overflowed to the general queue: still on the line
    )
    append(log, "1773147990|NONE|NONE|NONE|QUEUESTART|")
    import_queue_log(migrated_db, log)
    stays, ended = stays_and_end(migrated_db, "1773147900.7")
    assert stays == [("agua-esgoto", "empty"), ("geral", QueueOutcome.PBX_RESTART.value)]
    assert ended == datetime.fromtimestamp(1773147990, UTC)
    with migrated_db.transaction() as session:
        lost = session.scalar(select(QueueCall).where(QueueCall.queue == "geral"))
        assert lost is not None and lost.wait_seconds == 83.0


def test_a_caller_who_gives_up_in_the_queue_gets_an_end_on_the_call_record(
    migrated_db: Database, tmp_path: Path
) -> None:
    queued_call(migrated_db, "1773148000.9")
    log = tmp_path / "queue_log"
    append(
        log,
        "1773148005|1773148000.9|agua-esgoto|NONE|ENTERQUEUE||51999990002|1",
        "1773148035|1773148000.9|agua-esgoto|NONE|ABANDON|1|1|30",
    )
    import_queue_log(migrated_db, log)
    assert stays_and_end(migrated_db, "1773148000.9") == (
        [("agua-esgoto", "abandoned")],
        datetime.fromtimestamp(1773148035, UTC),
    )


def test_a_restart_in_the_callers_own_second_is_told_apart_by_its_place_in_the_log(
    migrated_db: Database, tmp_path: Path
) -> None:
    """Asterisk boots in a fraction of a second: the QUEUESTART after a crash often has the
    second of the caller's ENTERQUEUE, and one before it must not end a later caller's stay."""
    queued_call(migrated_db, "1773148100.3")
    queued_call(migrated_db, "1773148100.4")
    log = tmp_path / "queue_log"
    append(
        log,
        "1773148101|1773148100.3|geral|NONE|ENTERQUEUE||51999990002|1",
        "1773148101|NONE|NONE|NONE|QUEUESTART|",  # crashed and back within the second
        "1773148101|1773148100.4|geral|NONE|ENTERQUEUE||51999990003|1",  # after the restart
    )
    import_queue_log(migrated_db, log)
    assert stays_and_end(migrated_db, "1773148100.3") == (
        [("geral", QueueOutcome.PBX_RESTART.value)],
        datetime.fromtimestamp(1773148101, UTC),
    )
    assert stays_and_end(migrated_db, "1773148100.4") == ([("geral", "waiting")], None)
