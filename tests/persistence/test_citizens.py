"""Citizens: registration rules, lookup by phone, history, and the LGPD audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.domain.workflow import Channel, Status
from citizen_center.errors import ValidationError
from citizen_center.models import AuditLog, Citizen
from citizen_center.services import calls, citizens, requests, surveys
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import Actor

AGENT = Actor.system("agente")
HOME = AddressInput(
    street="Rua dos Andradas", house_number="500", neighbourhood="Centro", zipcode="90020-007"
)


def register_maria(session: Session) -> Citizen:
    return citizens.register_citizen(
        session,
        CitizenInput(
            name="  Maria   da Silva ",
            cpf="529.982.247-25",
            phones=["(51) 99999-1234", "51 3289-1234"],
            addresses=[HOME],
        ),
        AGENT,
    )


def test_register_normalises_and_finds_by_phone_in_any_form(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        maria = register_maria(session)
        assert maria.name == "Maria da Silva" and maria.cpf == "52998224725"
        assert [p.e164 for p in maria.phones] == ["+5551999991234", "+555132891234"]
        assert maria.addresses[0].zipcode == "90020007"
    with migrated_db.transaction() as session:
        found = citizens.find_citizens_by_phone(session, "051999991234", AGENT)
        assert [c.name for c in found] == ["Maria da Silva"]
        assert citizens.find_citizens_by_phone(session, "+55 51 98888-7777", AGENT) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (CitizenInput(name="João", cpf="123.456.789-00"), "CPF inválido"),
        (CitizenInput(name="João", phones=["12345"]), "Telefone inválido"),
        (CitizenInput(name="J"), "nome"),
        (CitizenInput(name="João", addresses=[AddressInput(street="Rua A", zipcode="123")]), "CEP"),
    ],
)
def test_invalid_citizen_data_is_rejected_and_nothing_is_written(
    migrated_db: Database, data: CitizenInput, message: str
) -> None:
    with pytest.raises(ValidationError, match=message), migrated_db.transaction() as session:
        citizens.register_citizen(session, data, AGENT)
    with migrated_db.transaction() as session:
        assert session.scalars(select(AuditLog)).all() == []


def test_cpf_is_unique(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        register_maria(session)
    with (
        pytest.raises(ValidationError, match="já está cadastrado"),
        migrated_db.transaction() as session,
    ):
        citizens.register_citizen(session, CitizenInput(name="Outra", cpf="52998224725"), AGENT)


def test_update_replaces_details(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        maria_id = register_maria(session).id
    with migrated_db.transaction() as session:
        updated = citizens.update_citizen(
            session,
            maria_id,
            CitizenInput(
                name="Maria da Silva Souza",
                cpf="52998224725",
                phones=["51999991234", "51988887777"],
            ),
            AGENT,
        )
        assert [p.e164 for p in updated.phones] == ["+5551999991234", "+5551988887777"]
        assert updated.addresses == []


def test_history_has_requests_with_late_flags_and_calls_with_scores(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        maria = register_maria(session)
        call = calls.start_call(
            session, uniqueid="1700000000.1", caller_number="+5551999991234", citizen_id=maria.id
        )
        calls.mark_answered(session, call, queue="agua-esgoto", agent_interface="PJSIP/agent1001")
        request = requests.open_request(
            session,
            service_code="AGUA-VAZAMENTO",
            channel="phone",
            actor=AGENT,
            citizen_id=maria.id,
            address=HOME,
            call_id=call.id,
        )
        calls.set_wrapup(session, call, "solicitacao-registrada")
        calls.finish_call(session, call, CallOutcome.ANSWERED)
        surveys.record_survey(session, score=5, call=call)
        maria_id, number = maria.id, request.number
    with migrated_db.transaction() as session:
        history = citizens.citizen_history(session, maria_id, Actor.system("desktop"))
        assert [(r.number, r.status, r.late) for r in history.requests] == [
            (number, Status.FORWARDED, False)
        ]
        assert history.open_requests[0].service_code == "AGUA-VAZAMENTO"
        assert history.requests[0].channel is Channel.PHONE
        assert [(c.uniqueid, c.wrapup_code, c.survey_score) for c in history.calls] == [
            ("1700000000.1", "solicitacao-registrada", 5)
        ]


def test_every_read_and_change_is_audited(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        maria_id = register_maria(session).id
    with migrated_db.transaction() as session:
        citizens.find_citizens_by_phone(session, "51999991234", Actor.system("ivr"))
        citizens.citizen_history(session, maria_id, Actor.system("desktop"))
        citizens.search_citizens(session, "maria", Actor.system("desktop"))
        citizens.find_citizen_by_cpf(session, "52998224725", Actor.system("desktop"))
    with migrated_db.transaction() as session:
        trail = [
            (a.actor_label, a.action, a.citizen_id)
            for a in session.scalars(select(AuditLog).order_by(AuditLog.id))
        ]
        assert trail == [
            ("agente", "create", maria_id),
            ("ivr", "read", maria_id),
            ("desktop", "read", maria_id),
            ("desktop", "read", maria_id),
            ("desktop", "read", maria_id),
        ]


def test_search_needs_three_characters(migrated_db: Database) -> None:
    with pytest.raises(ValidationError, match="3 caracteres"), migrated_db.transaction() as session:
        citizens.search_citizens(session, "ma", AGENT)
