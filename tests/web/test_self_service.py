"""The domain side of the citizen page: who is linked, what a follow code allows, what the
public view leaves out (on both engines)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from citizen_center.db import Database
from citizen_center.domain.identifiers import complete_cpf
from citizen_center.domain.protocol import format_protocol_number
from citizen_center.domain.workflow import Channel, Status
from citizen_center.errors import InvalidTransitionError, ValidationError
from citizen_center.models import AuditLog, utcnow
from citizen_center.services import citizens, duplicates, requests, self_service
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import Actor
from citizen_center.services.self_service import Identification, OnlineFiling

CPF = complete_cpf("123456789")
ANONYMOUS = Identification()


def filing(who: Identification = ANONYMOUS, **extra: object) -> OnlineFiling:
    return OnlineFiling(
        service_code="VIA-BURACO",
        address=AddressInput(street="Rua Sarmento Leite", house_number="300"),
        description="Buraco.",
        identification=who,
        **extra,  # type: ignore[arg-type]
    )


def test_an_identified_citizen_is_found_by_cpf_or_by_phone_and_name_else_registered(
    migrated_db: Database,
) -> None:
    with migrated_db.transaction() as session:
        known = citizens.register_citizen(
            session,
            CitizenInput(name="Carla Dias", cpf=CPF, phones=["51999990000"]),
            Actor.system("test"),
        ).id
        by_cpf = self_service.file_online(session, filing(Identification("C. Dias", "", CPF)))
        by_phone = self_service.file_online(
            session, filing(Identification("carla  dias", "(51) 99999-0000"))
        )
        other_name = self_service.file_online(
            session, filing(Identification("Bruno Dias", "(51) 99999-0000"))
        )
        anonymous = self_service.file_online(session, filing())
        owners = [
            requests.get_request(session, f.number).citizen_id
            for f in (by_cpf, by_phone, other_name, anonymous)
        ]
        audited = session.scalars(
            select(AuditLog.detail).where(AuditLog.actor_label == "web")
        ).all()
    assert owners[:2] == [known, known]
    assert owners[2] not in (None, known) and owners[3] is None
    assert "lookup by CPF" in audited  # LGPD: the page's lookups are in the trail


def test_a_cpf_links_to_its_holder_only_with_their_name_or_phone(migrated_db: Database) -> None:
    """Anyone may type anyone's CPF on the page: without the holder's name or one of their
    phones the request stays out of the holder's history, and the reporter is registered
    without that CPF."""
    with migrated_db.transaction() as session:
        known = citizens.register_citizen(
            session,
            CitizenInput(name="Carla Dias", cpf=CPF, phones=["51999990000"]),
            Actor.system("test"),
        ).id
        by_phone = self_service.file_online(
            session, filing(Identification("Carla (mãe)", "(51) 99999-0000", CPF))
        )
        stranger = self_service.file_online(
            session, filing(Identification("Bruno Souza", "(51) 98888-1111", CPF))
        )
        mine = requests.get_request(session, by_phone.number).citizen_id
        theirs = requests.get_request(session, stranger.number)
        assert mine == known
        assert theirs.citizen is not None and theirs.citizen_id != known
        assert (theirs.citizen.name, theirs.citizen.cpf) == ("Bruno Souza", None)
        assert [p.e164 for p in theirs.citizen.phones] == ["+5551988881111"]


def test_half_an_identification_or_a_bad_point_is_refused(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        with pytest.raises(ValidationError, match="telefone ou o CPF"):
            self_service.file_online(session, filing(Identification("Ana Lima")))
        with pytest.raises(ValidationError, match="juntas"):
            self_service.file_online(session, filing(latitude=-30.0))
        with pytest.raises(ValidationError, match="Latitude fora"):
            self_service.file_online(session, filing(latitude=-130.0, longitude=0.0))


def test_only_the_follow_code_confirms_and_the_public_view_hides_notes(
    migrated_db: Database,
) -> None:
    with migrated_db.transaction() as session:
        filed = self_service.file_online(session, filing())
        request = requests.get_request(session, filed.number)
        requests.add_note(session, request, Actor.system("pf"), "Ligar para o morador.")
        requests.change_status(session, request, Status.RESOLVED, Actor.system("pf"), "Tapado.")
        with pytest.raises(self_service.WrongFollowCodeError):
            self_service.confirm_online(session, filed.number, "AAAA-AAAA-AAAA")
        self_service.confirm_online(session, filed.number, filed.follow_code.replace("-", " "))
        with pytest.raises(InvalidTransitionError):  # already closed: no second answer
            self_service.confirm_online(session, filed.number, filed.follow_code)
        view = self_service.citizen_view(session, filed.number, utcnow())
        events = requests.get_request(session, filed.number).events
        closing = events[-1]
    assert [s.status for s in view.steps] == [
        Status.OPEN,
        Status.FORWARDED,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    assert [s.note for s in view.steps if s.note] == ["Tapado."]
    assert view.status is Status.CLOSED and view.can_rate and not view.awaits_confirmation
    assert closing.channel is Channel.WEB and closing.actor_label == "citizen"
    # The page's events say web; the secretariat's own (no channel given) stay unmarked.
    assert [e.channel for e in events] == [Channel.WEB, Channel.WEB, None, None, Channel.WEB]


def test_a_dispute_on_the_page_reopens_on_the_web_channel(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        filed = self_service.file_online(session, filing())
        request = requests.get_request(session, filed.number)
        requests.change_status(session, request, Status.RESOLVED, Actor.system("pf"), "Tapado.")
        with pytest.raises(ValidationError, match="Conte o que"):
            self_service.dispute_online(session, filed.number, filed.follow_code, "  ")
        self_service.dispute_online(session, filed.number, filed.follow_code, " Continua lá. ")
        events = requests.get_request(session, filed.number).events
    assert [(e.to_status, e.channel) for e in events[-2:]] == [
        (Status.RESOLVED, None),
        (Status.REOPENED, Channel.WEB),
    ]
    assert events[-1].note == "Continua lá."


def test_a_duplicates_view_names_the_protocol_it_joined_never_concluida(
    migrated_db: Database,
) -> None:
    staff = Actor.system("pf.smsurb")
    with migrated_db.transaction() as session:
        first, second = (self_service.file_online(session, filing()).number for _ in range(2))
        again = self_service.file_online(session, filing())
        duplicate = requests.get_request(session, again.number)
        duplicates.mark_duplicate(session, duplicate, second, staff)
        # The second one is itself joined to the first: the duplicate follows to the root.
        duplicates.mark_duplicate(session, requests.get_request(session, second), first, staff)
        view = self_service.citizen_view(session, again.number, utcnow())
    assert view.merged_into == first
    assert view.status is Status.CLOSED
    assert (
        view.status_label
        == f"Unida ao protocolo {format_protocol_number(first)} (o mesmo problema)"
    )
    assert [(s.label.split(" (")[0], s.joined_to) for s in view.steps] == [
        ("Recebida", ""),
        ("Encaminhada à secretaria responsável", ""),
        (f"Unida ao protocolo {format_protocol_number(second)}", second),
        (f"Unida ao protocolo {format_protocol_number(first)}", first),
    ]
    assert "Concluída" not in {s.label for s in view.steps}
    # Closed unsolved: nothing to confirm or rate here (the parent is the one worked on).
    assert not view.can_rate and not view.awaits_confirmation


def test_an_undone_duplicate_mark_reads_as_back_with_the_secretariat(
    migrated_db: Database,
) -> None:
    staff = Actor.system("pf.smsurb")
    with migrated_db.transaction() as session:
        first = self_service.file_online(session, filing()).number
        again = self_service.file_online(session, filing())
        request = requests.get_request(session, again.number)
        duplicates.mark_duplicate(session, request, first, staff)
        duplicates.unmark_duplicate(session, request, staff, "Outro buraco, na outra quadra.")
        view = self_service.citizen_view(session, again.number, utcnow())
    assert view.merged_into is None and view.status is Status.FORWARDED
    assert view.status_label == "Encaminhada à secretaria responsável"
    assert [s.label for s in view.steps][-2:] == [
        f"Unida ao protocolo {format_protocol_number(first)} (o mesmo problema)",
        "Não era duplicada: voltou ao atendimento",
    ]
    assert all(not s.note for s in view.steps)  # the staff's reason stays inside
