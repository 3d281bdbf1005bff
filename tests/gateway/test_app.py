"""The gateway's HTTP and WebSocket server in-process (FastAPI's test client, a stand-in AMI):
logins with the lockout and the recorded attempts, tokens on the stream, refusals answered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from citizen_center.db import Database
from citizen_center.domain.access import LoginFailure
from citizen_center.domain.workflow import Role
from citizen_center.models import LoginAttempt, User
from citizen_center.services import users
from gateway.app import GatewayParts, create_app
from gateway.hub import Hub
from gateway.protocol import LOGIN_PATH, STREAM_PATH, ActionRequest
from gateway.tokens import TokenSigner
from tests.fixtures.databases import fresh_database_url
from tests.gateway.test_hub import FakeAmi

PASSWORD = "senha-de-teste-1"
PHONE = "PJSIP/agent-2001"


@pytest.fixture
def parts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GatewayParts]:
    database = Database.from_url(next(fresh_database_url("sqlite", request, tmp_path)))
    with database.transaction() as session:
        users.create_user(
            session,
            username="ana",
            full_name="Ana",
            role=Role.AGENT,
            password=PASSWORD,
            phone_interface=PHONE,
        )
    hub = Hub(FakeAmi(), ["geral"])
    hub.on_ami_state(True)
    yield GatewayParts(database, TokenSigner("k" * 32, 3600), hub, max_failed_logins=3)
    database.dispose()


@pytest.fixture
def client(parts: GatewayParts) -> Iterator[TestClient]:
    with TestClient(create_app(parts)) as test_client:
        yield test_client


def login(client: TestClient, password: str, **extra: str) -> tuple[int, dict[str, object]]:
    reply = client.post(LOGIN_PATH, json={"username": "ana", "password": password, **extra})
    return reply.status_code, reply.json()


def test_a_login_returns_a_token_bound_to_the_registered_phone(client: TestClient) -> None:
    status, body = login(client, PASSWORD)
    assert status == 200
    user = body["user"]
    assert isinstance(user, dict)
    assert (user["username"], user["role"], user["interface"]) == ("ana", "agent", PHONE)
    assert isinstance(body["token"], str) and body["token"].count(".") == 2


def test_wrong_passwords_lock_the_account_and_every_attempt_is_kept(
    client: TestClient,
    parts: GatewayParts,
) -> None:
    for _ in range(3):
        status, body = login(client, "errada!!")
        assert status == 401 and str(body["detail"]).startswith("Usuário ou senha incorretos")
    assert login(client, PASSWORD)[0] == 401  # locked: even the right password
    with parts.database.transaction() as session:
        failures = [
            a.failure for a in session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))
        ]
    assert failures == [LoginFailure.WRONG_PASSWORD] * 3 + [LoginFailure.LOCKED]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "", "password": "x"},
        {"username": "ana"},
        {"username": "a" * 65, "password": "x"},
        {"username": "ana", "password": "x", "interface": "P" * 200},
    ],
)
def test_malformed_logins_are_refused_with_a_message(
    client: TestClient, body: dict[str, str]
) -> None:
    reply = client.post(LOGIN_PATH, json=body)
    assert reply.status_code == 422 and reply.json()["detail"]


def test_the_stream_needs_a_valid_token(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect(STREAM_PATH, headers=headers) as socket,
        ):
            socket.receive_text()


def test_the_stream_greets_answers_and_ignores_garbage(client: TestClient) -> None:
    token = str(login(client, PASSWORD)[1]["token"])
    with client.websocket_connect(
        STREAM_PATH, headers={"Authorization": f"Bearer {token}"}
    ) as socket:
        hello = json.loads(socket.receive_text())
        assert hello["type"] == "hello" and hello["pbx"] == "up"
        socket.send_text("not json at all")
        socket.send_text(json.dumps({"type": "hello"}))
        socket.send_text(ActionRequest("7", "Originate", {"Channel": "Local/1@x"}).encode())
        answer = json.loads(socket.receive_text())
        assert answer["id"] == "7" and dict(answer["headers"])["Response"] == "Error"
        socket.send_text(
            ActionRequest("8", "QueuePause", {"Interface": PHONE, "Paused": "true"}).encode()
        )
        assert dict(json.loads(socket.receive_text())["headers"])["Response"] == "Success"


def test_a_deactivated_user_loses_the_stream_at_the_next_connection(
    client: TestClient,
    parts: GatewayParts,
) -> None:
    token = str(login(client, PASSWORD)[1]["token"])
    with parts.database.transaction() as session:
        session.scalars(select(User).where(User.username == "ana")).one().active = False
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            STREAM_PATH, headers={"Authorization": f"Bearer {token}"}
        ) as socket,
    ):
        socket.receive_text()
