"""The gateway's HTTP and WebSocket server (FastAPI on uvicorn).

``POST /v1/session`` logs a user in (the project's argon2 accounts) and returns a signed token
bound to the user's phone interface; ``GET /v1/stream`` (WebSocket, ``Authorization: Bearer``)
carries the events the user may see and the actions they ask for; ``GET /v1/health`` says
whether the PBX is reachable. A separate process from the citizens' web server on purpose: the
gateway holds AMI credentials and lives on the PBX host's LAN side; the web server faces the
internet and holds none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citizen_center.db import Database
from citizen_center.models import User
from citizen_center.services import users
from gateway.hub import DesktopSession, Hub
from gateway.policy import SessionUser
from gateway.protocol import (
    HEALTH_PATH,
    LOGIN_PATH,
    STREAM_PATH,
    ActionRequest,
    MessageType,
    ProtocolError,
    decode,
    decode_action,
    encode_hello,
)
from gateway.tokens import TokenError, TokenSigner

log = logging.getLogger(__name__)

BAD_CREDENTIALS = "Usuário ou senha incorretos."
# WebSocket close codes in the private range: the desktop tells "log in again" from "retry".
CLOSE_UNAUTHORISED = 4401
CLOSE_TOO_SLOW = 4408
MAX_MESSAGE_BYTES = 16 * 1024


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    interface: str = Field(default="", max_length=128)


class UserInfo(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    interface: str


class LoginReply(BaseModel):
    token: str
    expires_at: float
    user: UserInfo


class Health(BaseModel):
    pbx: str
    desktops: int


@dataclass
class GatewayParts:
    """What the server needs: the database (accounts), the token signer, the hub, and how to
    start and stop the AMI session (none in unit tests)."""

    database: Database
    signer: TokenSigner
    hub: Hub
    start_ami: Callable[[], object] | None = None
    stop_ami: Callable[[], object] | None = None
    max_failed_logins: int = users.MAX_FAILURES
    lockout: timedelta = users.LOCKOUT


def user_info(user: SessionUser) -> UserInfo:
    return UserInfo(
        id=user.user_id,
        username=user.username,
        full_name=user.full_name,
        role=user.role.value,
        interface=user.interface,
    )


def create_app(parts: GatewayParts) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if parts.start_ami is not None:
            await _maybe_await(parts.start_ami())
        yield
        if parts.stop_ami is not None:
            await _maybe_await(parts.stop_ami())

    app = FastAPI(title="Central 156 agent gateway", version="1", lifespan=lifespan)

    @app.post(LOGIN_PATH, response_model=LoginReply)
    def login(body: LoginRequest, request: Request) -> LoginReply:
        source = f"gateway:{request.client.host}" if request.client else "gateway"
        user = _authenticate(parts, body, source)
        token, expires = parts.signer.issue(user)
        log.info(
            "login user=%s role=%s interface=%s", user.username, user.role.value, user.interface
        )
        return LoginReply(token=token, expires_at=expires, user=user_info(user))

    @app.get(HEALTH_PATH, response_model=Health)
    async def health() -> Health:
        return Health(pbx=parts.hub.pbx_state.value, desktops=len(parts.hub.sessions))

    @app.websocket(STREAM_PATH)
    async def stream(websocket: WebSocket) -> None:
        user = await _session_user(parts, websocket.headers.get("authorization", ""))
        if user is None:
            await websocket.close(code=CLOSE_UNAUTHORISED)
            return
        await websocket.accept()
        peer = f"{websocket.client.host}:{websocket.client.port}" if websocket.client else "?"
        session = DesktopSession(user, peer)
        parts.hub.attach(session)
        session.offer(encode_hello(user_info(user).model_dump(), parts.hub.pbx_state))
        try:
            await _serve_desktop(parts.hub, session, websocket)
        finally:
            parts.hub.detach(session)

    return app


async def _maybe_await(result: object) -> None:
    if asyncio.iscoroutine(result):
        await result


def _authenticate(parts: GatewayParts, body: LoginRequest, source: str) -> SessionUser:
    with parts.database.transaction() as session:
        result = users.authenticate(
            session,
            body.username,
            body.password,
            max_failures=parts.max_failed_logins,
            lockout=parts.lockout,
            source=source,
        )
        user = result.user
        found = (
            None
            if user is None
            else SessionUser(
                user.id,
                user.username,
                user.full_name,
                user.role,
                body.interface.strip() or user.phone_interface,
            )
        )
        taken = (
            found is not None
            and bool(found.interface)
            and _someone_elses_phone(session, found.user_id, found.interface)
        )
    # Refused only after the commit: raising inside the transaction would roll the recorded
    # attempt back, and with it the count that locks out whoever is guessing.
    if found is None:
        log.info("login refused user=%r source=%s reason=%s", body.username, source, result.failure)
        # The same words whatever went wrong: no hint of which names exist or are locked.
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, refusal_text(parts))
    if taken:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"O ramal {found.interface} está registrado para outro usuário.",
        )
    return found


def refusal_text(parts: GatewayParts) -> str:
    minutes = parts.lockout.total_seconds() / 60
    return (
        f"{BAD_CREDENTIALS} Após {parts.max_failed_logins} tentativas erradas seguidas, o "
        f"acesso fica bloqueado por {minutes:.0f} minutos."
    )


def _someone_elses_phone(session: Session, user_id: int, interface: str) -> bool:
    """Hot-desking is allowed on a free phone, never on a colleague's registered one (it would
    let an agent pause or log out that colleague)."""
    owner = session.scalar(
        select(User.id).where(
            func.lower(User.phone_interface) == interface.lower(), User.active, User.id != user_id
        )
    )
    return owner is not None


async def _session_user(parts: GatewayParts, authorization: str) -> SessionUser | None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        user = parts.signer.verify(token.strip())
    except TokenError as error:
        log.warning("stream refused: %s", error)
        return None
    active = await run_in_threadpool(_still_active, parts.database, user.user_id)
    return user if active else None


def _still_active(database: Database, user_id: int) -> bool:
    with database.transaction() as session:
        return bool(session.scalar(select(User.active).where(User.id == user_id)))


async def _serve_desktop(hub: Hub, session: DesktopSession, websocket: WebSocket) -> None:
    writer = asyncio.create_task(_write(session, websocket))
    reader = asyncio.create_task(_read(hub, session, websocket))
    closed = asyncio.create_task(session.closed.wait())
    done, pending = await asyncio.wait(
        {writer, reader, closed}, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    if closed in done:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=CLOSE_TOO_SLOW)


async def _write(session: DesktopSession, websocket: WebSocket) -> None:
    while True:
        await websocket.send_text(await session.outbox.get())


async def _read(hub: Hub, session: DesktopSession, websocket: WebSocket) -> None:
    running: set[asyncio.Task[None]] = set()
    try:
        while True:
            text = await websocket.receive_text()
            request = _request_of(text, session)
            if request is None:
                continue
            task = asyncio.create_task(hub.perform(session, request))
            running.add(task)
            task.add_done_callback(running.discard)
    except WebSocketDisconnect:
        return


def _request_of(text: str, session: DesktopSession) -> ActionRequest | None:
    if len(text) > MAX_MESSAGE_BYTES:
        log.warning("message too long user=%s bytes=%d", session.user.username, len(text))
        return None
    try:
        data = decode(text)
        if data["type"] != MessageType.ACTION:
            raise ProtocolError(f"a desktop only sends actions, not {data['type']!r}")
        return decode_action(data)
    except ProtocolError as error:
        log.warning("bad message user=%s: %s", session.user.username, error)
        return None
