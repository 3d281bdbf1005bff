"""An asyncio AMI client that keeps its session alive, on the sans-I/O core.

Built for a long-running async server (the agent gateway): one ``AsyncAmiClient`` owns one
manager session for the life of the process.

Session rules
    ``start()`` connects and logs in, then a background task keeps the session: a ``Ping``
    every ``ping_interval`` seconds (answered within ``ping_timeout``) detects a dead peer that
    TCP alone would not notice for minutes. After any loss (peer closed, reset, Ping unanswered,
    login refused, banner not from Asterisk) every pending action fails with ``AmiError``, the
    state goes to ``RETRYING``, and the task reconnects after ``backoff[0]`` seconds doubling up to
    ``backoff[1]``; the delay starts over after a successful login. It never gives up; only
    ``stop()`` ends it.

    ``on_state`` is called with ``CONNECTING``, ``CONNECTED``, ``RETRYING`` and ``STOPPED``.
    ``CONNECTED`` comes after *every* successful (re)login: it is the owner's signal to
    resynchronise (``QueueStatus``...), since the events of the gap are gone for good.

Actions
    ``action`` / ``list_action`` raise ``AmiError`` at once when not connected, when the
    connection is lost before the answer, or when no answer came within ``timeout``. A manager's
    ``Response: Error`` is returned, not raised (as in the threaded client). Whether an action is
    a list action is learnt from its response (``EventList: start``); ``list_action`` only
    changes the return type.

Thread rules
    Everything runs on the event loop that called ``start()``: call every method from that loop
    (from another thread use ``asyncio.run_coroutine_threadsafe``). ``on_event`` and ``on_state``
    are plain callbacks run on the loop's reader task: keep them short and non-blocking (put
    events on an ``asyncio.Queue`` if the work is long); an exception in one is logged and
    ignored.

Why not panoramisk
    panoramisk's ``Manager`` offers much the same on asyncio (ping, reconnection, futures for
    actions), but with its own parser and action bookkeeping. Here the parsing and the matching
    of answers to actions (``pbx.ami.protocol.AmiProtocol``) are shared with the threaded
    ``AmiClient`` that provisioning, the demo and the tests use, and are tested once against
    recorded Asterisk 22 traffic. The state enum with ``CONNECTED`` as the resync signal,
    exponential backoff and errors that name the action are what the gateway needs; a second
    implementation of the protocol (and a dependency) would add nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable, Mapping

from pbx.ami.protocol import (
    AmiError,
    AmiMessage,
    AmiProtocol,
    Completed,
    Event,
    Received,
    after_greeting,
)

log = logging.getLogger(__name__)


class AmiState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"  # logged in, events flowing: resynchronise now
    RETRYING = "retrying"  # lost; waiting for the next attempt
    STOPPED = "stopped"


EventCallback = Callable[[AmiMessage], None]
StateCallback = Callable[[AmiState], None]


class AsyncAmiClient:
    """One AMI session kept alive until ``stop()``; see the module docstring for the rules."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        events: str = "on",
        ping_interval: float = 20.0,
        ping_timeout: float | None = None,
        backoff: tuple[float, float] = (0.5, 15.0),
        timeout: float = 10.0,
        on_event: EventCallback | None = None,
        on_state: StateCallback | None = None,
        id_prefix: str = "aio-",
    ) -> None:
        self.host, self.port = host, port
        self.username, self._secret, self.events = username, secret, events
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout if ping_timeout is not None else timeout
        self.backoff = backoff
        self.timeout = timeout
        self.on_event = on_event
        self.on_state = on_state
        self.banner = ""
        self.last_error = ""
        self.attempt = 0  # failed attempts since the last successful login
        self._protocol = AmiProtocol(id_prefix)
        self._futures: dict[str, asyncio.Future[Completed]] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._state = AmiState.STOPPED
        self._task: asyncio.Task[None] | None = None
        self._first_attempt: asyncio.Future[bool] | None = None
        self._connected = asyncio.Event()

    # ---------------------------------------------------------------- lifecycle

    @property
    def state(self) -> AmiState:
        return self._state

    @property
    def connected(self) -> bool:
        return self._state is AmiState.CONNECTED

    async def start(self) -> bool:
        """Connect and log in; True if that first attempt succeeded. Either way the session is
        kept from now on (a failed first attempt is retried like any loss)."""
        if self._task is not None:
            raise RuntimeError("AsyncAmiClient already started")
        self._first_attempt = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"ami-{self.host}:{self.port}")
        return await asyncio.shield(self._first_attempt)

    async def stop(self) -> None:
        """Close the session for good; pending actions fail with ``AmiError``."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set_state(AmiState.STOPPED)

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until logged in (now or after a reconnection); ``TimeoutError`` otherwise."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def __aenter__(self) -> AsyncAmiClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- actions

    async def action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> AmiMessage:
        """Send an action and return its response (a manager's Error is returned)."""
        return (await self._request(name, fields, False, timeout)).response

    async def checked_action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> AmiMessage:
        """Like ``action`` but raises ``AmiError`` unless the response is Success."""
        response = await self.action(name, timeout=timeout, **fields)
        if response.get("Response") != "Success":
            raise AmiError(f"{name} failed: {response.get('Message')}")
        return response

    async def list_action(
        self, name: str, *, timeout: float | None = None, **fields: object
    ) -> tuple[AmiMessage, list[AmiMessage]]:
        """An action answered by a list of events (``QueueStatus``): the response and the
        events before the ``...Complete`` one. ``timeout`` covers the whole list."""
        completed = await self._request(name, fields, True, timeout)
        return completed.response, completed.events

    async def _request(
        self,
        name: str,
        fields: Mapping[str, object],
        list_action: bool,
        timeout: float | None,
        *,
        logging_in: bool = False,
    ) -> Completed:
        writer = self._writer
        if writer is None or not (self.connected or logging_in):
            why = (
                f"{self._state.value}: {self.last_error}" if self.last_error else self._state.value
            )
            raise AmiError(f"not connected to AMI {self.host}:{self.port} ({why}); {name} not sent")
        wait = timeout if timeout is not None else self.timeout
        action_id, data = self._protocol.start_action(name, fields, list_action)
        future: asyncio.Future[Completed] = asyncio.get_running_loop().create_future()
        self._futures[action_id] = future
        try:
            writer.write(data)
            await writer.drain()
            completed = await asyncio.wait_for(future, wait)
        except TimeoutError:
            raise AmiError(f"no answer to {name} within {wait} s") from None
        except OSError as error:
            raise AmiError(f"AMI connection lost while sending {name}: {error}") from error
        finally:
            if self._futures.pop(action_id, None) is not None:
                self._protocol.forget(action_id)
        if completed.lost:
            raise AmiError(f"AMI {completed.message}")
        return completed

    # ---------------------------------------------------------------- the session task

    async def _run(self) -> None:
        try:
            while True:
                self._set_state(AmiState.CONNECTING)
                try:
                    await self._session()
                except (OSError, AmiError, TimeoutError) as error:
                    self.last_error = str(error) or type(error).__name__
                self._first_attempt_done(False)
                low, high = self.backoff
                delay = min(high, low * 2 ** min(self.attempt, 30))
                self.attempt += 1
                self._set_state(AmiState.RETRYING)
                log.info(
                    "ami %s:%d reconnect in %.1f s (attempt %d): %s",
                    self.host,
                    self.port,
                    delay,
                    self.attempt,
                    self.last_error,
                )
                await asyncio.sleep(delay)
        finally:
            self._first_attempt_done(False)

    async def _session(self) -> None:
        """One connection from connect to loss; returns or raises when it is over."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self.timeout
        )
        self._writer = writer
        read_task: asyncio.Task[None] | None = None
        ping_task: asyncio.Task[None] | None = None
        try:
            early = await self._read_greeting(reader)
            read_task = asyncio.create_task(self._read_loop(reader))
            self._dispatch(early)
            response = (
                await self._request(
                    "Login",
                    {"Username": self.username, "Secret": self._secret, "Events": self.events},
                    False,
                    None,
                    logging_in=True,
                )
            ).response
            if response.get("Response") != "Success":
                raise AmiError(f"AMI login as {self.username} refused: {response.get('Message')}")
            self.attempt, self.last_error = 0, ""
            self._set_state(AmiState.CONNECTED)
            self._first_attempt_done(True)
            ping_task = asyncio.create_task(self._keepalive())
            await asyncio.wait({read_task, ping_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._writer = None
            self._connected.clear()
            writer.transport.abort()  # no goodbye: the peer may be the thing that is dead
            for task in (ping_task, read_task):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            self._dispatch(list(self._protocol.connection_lost()))

    async def _read_greeting(self, reader: asyncio.StreamReader) -> list[Received]:
        while True:
            chunk = await asyncio.wait_for(reader.read(4096), self.timeout)
            if not chunk:
                raise AmiError(f"{self.host}:{self.port} closed before the AMI banner")
            received = self._protocol.receive(chunk)
            if received:
                break
        self.banner, rest = after_greeting(received, f"{self.host}:{self.port}")
        return rest

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while chunk := await reader.read(65536):
                self._dispatch(self._protocol.receive(chunk))
            self.last_error = "connection closed by the manager"
        except OSError as error:
            self.last_error = f"connection lost: {error}"
        finally:
            # Fail the waiting actions now, the login included: nothing else would wake them.
            self._dispatch(list(self._protocol.connection_lost()))

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            try:
                await self._request("Ping", {}, False, self.ping_timeout)
            except AmiError as error:
                self.last_error = f"Ping failed, the PBX is not responding: {error}"
                return

    # ---------------------------------------------------------------- dispatch

    def _dispatch(self, received: list[Received]) -> None:
        for item in received:
            if isinstance(item, Completed):
                future = self._futures.pop(item.action_id, None)
                if future is not None and not future.done():
                    future.set_result(item)
            elif isinstance(item, Event) and self.on_event is not None:
                try:
                    self.on_event(item.message)
                except Exception:  # a broken callback must not end the session
                    log.exception("AMI on_event failed on %s", item.message.name)

    def _set_state(self, state: AmiState) -> None:
        if state is AmiState.CONNECTED:
            self._connected.set()
        if state is self._state:
            return
        log.info("ami %s:%d state=%s", self.host, self.port, state.value)
        self._state = state
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                log.exception("AMI on_state failed on %s", state.value)

    def _first_attempt_done(self, ok: bool) -> None:
        if self._first_attempt is not None and not self._first_attempt.done():
            self._first_attempt.set_result(ok)
