"""Unit tests of the desktop's pure parts and of the request search (both engines)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from agent_desktop.gateway_link import Backoff
from agent_desktop.qtmodels import fold
from agent_desktop.store.drafts import DraftStore
from agent_desktop.store.dto import PendingWrapUp
from agent_desktop.telephony.call_context import CallContext
from agent_desktop.widgets.protocol_display import spoken_groups
from citizen_center.db import Database
from citizen_center.models import utcnow
from citizen_center.services import citizens, request_search, requests
from citizen_center.services.citizens import AddressInput, CitizenInput
from citizen_center.services.common import Actor
from gateway.protocol import PbxMessage, same_interface
from pbx.ami import PacketBuffer
from pbx.channel_vars import ChannelVar

ACTOR = Actor.system("test")


def test_packet_buffer_splits_banner_and_packets_across_chunks() -> None:
    buffer = PacketBuffer()
    buffer.append(b"Asterisk Call Manager/9.0.0\r\nResponse: Succ")
    assert buffer.take_banner() == "Asterisk Call Manager/9.0.0"
    assert buffer.feed() == []
    (message,) = buffer.feed(b"ess\r\nActionID: 1\r\n\r\nEvent: Fu")
    assert message.get("Response") == "Success"
    assert buffer.feed(b"llyBooted\r\n\r\n")[0].name == "FullyBooted"


def test_call_context_from_agent_called_reads_ivr_variables() -> None:
    event = PbxMessage(
        (
            ("Event", "AgentCalled"),
            ("Uniqueid", "111.2"),
            ("Channel", "Local/156@x-0;2"),
            ("CallerIDNum", "51999990000"),
            ("CallerIDName", "<unknown>"),
            ("Queue", "geral"),
            ("ChanVariable", f"{ChannelVar.CALL_ID}=111.1"),
            ("ChanVariable", f"{ChannelVar.TEXT}=tem um buraco"),
            ("ChanVariable", f"{ChannelVar.CONFIDENCE}=0.87"),
            ("ChanVariable", f"{ChannelVar.CITIZEN_ID}=42"),
            ("ChanVariable", f"{ChannelVar.SERVICE}=VIA-BURACO"),
        )
    )
    call = CallContext.from_agent_called(event, joined_at=10.0, now=25.0)
    assert (call.uniqueid, call.caller_uniqueid) == ("111.1", "111.2")
    assert call.caller_name == "" and call.wait_seconds == 15.0
    assert call.ivr.text == "tem um buraco" and call.ivr.confidence == 0.87
    assert call.ivr.citizen_id == 42 and call.ivr.service_code == "VIA-BURACO"
    connected = call.connected_by(PbxMessage((("HoldTime", "21"),)))
    assert connected.connected and connected.wait_seconds == 21.0


def test_backoff_is_capped() -> None:
    backoff = Backoff(0.5, 15.0)
    assert [backoff.delay(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 15, 15]
    assert same_interface("pjsip/agent-2001", "PJSIP/agent-2001")


def test_drafts_are_atomic_and_survive_a_new_store(tmp_path: Path) -> None:
    DraftStore(tmp_path).save("request-form", {"description": "lâmpada apagada"})
    again = DraftStore(tmp_path)
    assert again.load("request-form") == {"description": "lâmpada apagada"}
    (tmp_path / "broken.json").write_text("{not json")
    assert again.load("broken") is None
    again.discard("request-form")
    assert again.load("request-form") is None


def test_a_pending_wrapup_survives_a_restart_as_a_draft(tmp_path: Path) -> None:
    pending = PendingWrapUp("111.1", "+5551999990000", "geral", request_numbers=("2026000001",))
    pending = pending.with_citizen(42).with_requests(["2026000001", "2026000002"])
    DraftStore(tmp_path).save("wrapup", pending.to_draft())
    draft = DraftStore(tmp_path).load("wrapup")
    assert draft is not None and PendingWrapUp.from_draft(draft) == pending
    # A draft written by the version that kept a plain dict has these very keys.
    legacy: dict[str, object] = {
        "uniqueid": "9.9",
        "caller_number": "",
        "queue": "geral",
        "citizen_id": None,
        "requests": [],
    }
    assert PendingWrapUp.from_draft(legacy) == PendingWrapUp("9.9", "", "geral")
    assert PendingWrapUp.from_draft({"requests": []}) is None
    saved = pending.finished("Solicitação registrada", "PJSIP/agent-2001")
    assert (saved.code, saved.citizen_id, saved.request_numbers) == (
        "Solicitação registrada",
        42,
        ("2026000001", "2026000002"),
    )


def test_reading_aids() -> None:
    assert fold("Iluminação Pública") == "iluminacao publica"
    assert spoken_groups("202600012345") == "2026 · 000 12 34 · 5"


def test_search_requests_by_every_key(migrated_db: Database) -> None:
    with migrated_db.transaction() as session:
        citizen = citizens.register_citizen(
            session,
            CitizenInput(
                name="Maria Aparecida Souza", cpf="529.982.247-25", phones=["51 99876-5432"]
            ),
            ACTOR,
        )
        opened = requests.open_request(
            session,
            service_code="VIA-BURACO",
            channel="phone",
            actor=ACTOR,
            citizen_id=citizen.id,
            address=AddressInput(street="Rua Lima e Silva", house_number="100"),
            now=utcnow() - timedelta(days=400),
        )
        number = opened.number
    with migrated_db.transaction() as session:
        for query in (number, "529.982.247-25", "(51) 99876-5432", "aparecida", "lima e silva"):
            found = request_search.search_requests(session, query, ACTOR)
            assert [m.number for m in found] == [number], query
            assert found[0].late and found[0].secretariat_code == "SMSUrb"
        assert request_search.classify_query("51998765432")[0] == "phone"
