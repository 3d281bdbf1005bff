"""Call records with their IVR path, survey answers, and users."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.domain.workflow import Role
from citizen_center.errors import ValidationError
from citizen_center.models import SurveyResponse
from citizen_center.services import calls, surveys, users
from citizen_center.services.calls import StepInput


def test_call_record_keeps_the_ivr_path_in_order(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        call = calls.start_call(session, uniqueid="1700000001.7", caller_number="+5551999991234")
        calls.record_step(session, call, StepInput("welcome"))
        calls.record_step(
            session,
            call,
            StepInput(
                "main-menu",
                recognised_text="tem um buraco na rua",
                intent="VIA-BURACO",
                confidence=0.82,
            ),
        )
        calls.record_step(session, call, StepInput("confirm", keys="1", intent="yes"))
        # A retried AGI for the same channel finds the same call.
        assert calls.start_call(session, uniqueid="1700000001.7", caller_number="x").id == call.id
        calls.finish_call(session, call, CallOutcome.QUEUED)
    with migrated_db.transaction() as session:
        stored = calls.get_call(session, "1700000001.7")
        assert [(s.seq, s.step, s.intent) for s in stored.steps] == [
            (1, "welcome", ""),
            (2, "main-menu", "VIA-BURACO"),
            (3, "confirm", "yes"),
        ]
        assert stored.steps[1].confidence == pytest.approx(0.82)
        assert stored.ended_at is not None and stored.outcome is CallOutcome.QUEUED


def test_survey_scores_are_validated_and_linked_to_call_and_agent(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        agent = users.create_user(
            session,
            username="ana",
            full_name="Ana Lima",
            role=Role.AGENT,
            password="senha-segura-1",
            phone_interface="PJSIP/agent1001",
        )
        call = calls.start_call(session, uniqueid="1700000002.3", caller_number="+5551999991234")
        calls.mark_answered(session, call, queue="geral", agent_interface="PJSIP/agent1001")
        for bad in ("0", "6", "#", "", "12", "a"):
            with pytest.raises(ValidationError, match="Nota inválida"):
                surveys.parse_score(bad)
        surveys.record_survey(session, score=surveys.parse_score("4"), call=call)
        agent_id = agent.id
    with migrated_db.transaction() as session:
        response = session.scalars(select(SurveyResponse)).one()
        assert (response.score, response.agent_id, response.channel.value) == (4, agent_id, "phone")


def test_score_outside_range_is_refused_by_the_database_too(migrated_db: Database) -> None:
    with pytest.raises(IntegrityError), migrated_db.transaction() as session:
        session.add(SurveyResponse(score=7, channel="phone"))


def test_passwords_are_hashed_and_checked(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        user = users.create_user(
            session,
            username="sup",
            full_name="Supervisora",
            role="supervisor",
            password="correct horse",
        )
        assert user.password_hash.startswith("$argon2")
        with pytest.raises(ValidationError, match="8 caracteres"):
            users.create_user(session, username="x", full_name="X", role="agent", password="short")
        with pytest.raises(ValidationError, match="secretaria"):
            users.create_user(
                session, username="fp", full_name="FP", role="focal_point", password="12345678"
            )
        users.create_user(
            session,
            username="fp",
            full_name="FP",
            role="focal_point",
            password="12345678",
            secretariat_code="DMAE",
        )
    with migrated_db.transaction() as session:
        assert users.authenticate(session, "sup", "correct horse").user is not None
        assert users.authenticate(session, "sup", "wrong").user is None
        assert users.authenticate(session, "nobody", "correct horse").user is None
