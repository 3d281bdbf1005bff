"""pyst2's AGI command vocabulary over a FastAGI socket, safe in worker threads.

pyst2's ``AGI`` was written for classic AGI (a process per call on stdin/stdout): its constructor
installs a SIGHUP handler, which raises ``ValueError`` outside the main thread, and it cannot parse
the out-of-band ``HANGUP`` line that FastAGI sends when the caller hangs up. ``FastAgiChannel``
keeps the vocabulary (``stream_file``, ``get_data``, ``record_file``, ``set_variable``...) and
replaces those two parts: hang-ups (the ``HANGUP`` line, ``511`` on a dead channel, a
``result=-1`` or a closed socket) all become one exception, ``CallerHungUp``.

One instance serves one call and is used by one thread only.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any

from asterisk.agi import AGI, AGIAppError, AGIHangup

log = logging.getLogger(__name__)


class CallerHungUp(AGIHangup):  # type: ignore[misc]
    """The caller is gone: end the flow, keep what was recorded."""


class AgiProtocolError(Exception):
    """Asterisk sent something that is not AGI (malformed environment or reply)."""


class _LogStream:
    """pyst2 writes its trace to a stream; send it to our debug log instead of stderr."""

    def write(self, text: str) -> int:
        text = text.strip()
        if text:
            log.debug("agi %s", text)
        return len(text)

    def flush(self) -> None:
        pass


MAX_ENV_LINES = 200
# A longer line is cut here and the rest of it dropped (a caller ID of thousands of characters).
MAX_LINE_BYTES = 8192
# All the bytes of an environment, dropped parts included: past it the peer is not Asterisk.
MAX_ENV_BYTES = 256 * 1024
RECV_BYTES = 65536
MAX_RESULT = 2**31 - 1


def parse_environment_line(line: str) -> tuple[str, str]:
    """``agi_callerid: 5199...`` → ``("agi_callerid", "5199...")``; AgiProtocolError if not AGI."""
    key, separator, value = line.partition(":")
    key = key.strip()
    if not separator or not key.startswith("agi_"):
        raise AgiProtocolError(f"malformed AGI environment line: {line[:80]!r}")
    return key, value.strip()


class FastAgiChannel(AGI):  # type: ignore[misc]
    """The AGI session of one call over its FastAGI connection.

    Reads the socket itself (no ``makefile``): the environment has a deadline for the whole of
    it, not per ``recv``, so a peer dripping a byte at a time cannot hold a worker; and every
    socket error (a TCP reset, a timeout) is a hang-up, never an exception from the socket layer.
    """

    def __init__(
        self, connection: socket.socket, env_timeout_s: float = 5.0, idle_timeout_s: float = 900.0
    ) -> None:
        # Deliberately not calling AGI.__init__: it installs a signal handler (main thread only).
        self._socket = connection
        self._buffer = bytearray()
        self._idle_timeout_s = idle_timeout_s
        self.stdin = self  # pyst2 reads replies with self.stdin.readline()
        self.stdout = self
        self.stderr = _LogStream()
        self._got_sighup = False
        self.hung_up = False
        self._pending_line: str | None = None
        self.env: dict[str, str] = {}
        self._read_environment(time.monotonic() + env_timeout_s)
        connection.settimeout(idle_timeout_s)

    # --- the stream interface pyst2 uses -------------------------------------------------
    def readline(self) -> str:
        if self._pending_line is not None:
            line, self._pending_line = self._pending_line, None
            return line
        raw = self._read_line(None)
        if not raw:
            self.hung_up = True
            raise CallerHungUp("connection closed by Asterisk")
        line = raw.decode("utf-8", errors="replace")
        if line.strip() == "HANGUP":
            # Out-of-band notice: the caller hung up; the command's own reply follows.
            self.hung_up = True
            self._got_sighup = True
            return self.readline()
        return line

    def write(self, text: str) -> int:
        try:
            self._socket.sendall(text.encode("utf-8"))
        except OSError as exc:  # reset, broken pipe, timeout: Asterisk dropped the call
            self.hung_up = True
            raise CallerHungUp(f"cannot write to Asterisk: {exc}") from exc
        return len(text)

    def flush(self) -> None:
        pass  # write() sends at once

    # --- reading -----------------------------------------------------------------------------
    def _read_line(self, deadline: float | None) -> bytes:
        """One line, cut to MAX_LINE_BYTES (the rest of a longer one is dropped); b"" at EOF.

        ``deadline`` (monotonic) bounds the whole read; without it each ``recv`` waits up to
        the idle limit. Socket errors become CallerHungUp: for Asterisk's side of a call a reset
        or a dead peer is the end of the call, not a failure of the IVR.
        """
        line = b""
        dropped = 0
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                if not line:
                    line = bytes(self._buffer[: min(newline + 1, MAX_LINE_BYTES)])
                del self._buffer[: newline + 1]
                return line if line.endswith(b"\n") else line + b"\n"
            if not line and len(self._buffer) >= MAX_LINE_BYTES:
                line = bytes(self._buffer[:MAX_LINE_BYTES])
            if line:
                dropped += len(self._buffer)
                self._buffer.clear()
                if dropped > MAX_ENV_BYTES:
                    raise AgiProtocolError(f"a line of more than {MAX_ENV_BYTES} bytes")
            chunk = self._recv(deadline)
            if not chunk:  # EOF: what was read is the last line
                rest = line or bytes(self._buffer)
                self._buffer.clear()
                return rest
            self._buffer += chunk

    def _recv(self, deadline: float | None) -> bytes:
        try:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AgiProtocolError("no complete AGI environment within the deadline")
                self._socket.settimeout(remaining)
            return self._socket.recv(RECV_BYTES)
        except TimeoutError as exc:
            if deadline is not None:
                raise AgiProtocolError("no complete AGI environment within the deadline") from exc
            self.hung_up = True
            raise CallerHungUp(f"no word from Asterisk in {self._idle_timeout_s:.0f} s") from exc
        except OSError as exc:  # ECONNRESET and friends: the peer is gone
            self.hung_up = True
            raise CallerHungUp(f"connection lost: {exc}") from exc

    # --- environment and results -----------------------------------------------------------
    def _read_environment(self, deadline: float) -> None:
        for _ in range(MAX_ENV_LINES):
            raw = self._read_line(deadline)
            if not raw:
                self.hung_up = True
                raise CallerHungUp("connection closed before the end of the AGI environment")
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                break
            key, value = parse_environment_line(line)
            self.env[key] = value
        else:
            raise AgiProtocolError("AGI environment too long")
        if "agi_network_script" not in self.env and "agi_request" not in self.env:
            raise AgiProtocolError("AGI environment without a script name")

    def test_hangup(self) -> None:
        if self._got_sighup:
            raise CallerHungUp("the caller hung up")

    def execute(self, command: str, *args: Any) -> dict[str, tuple[str, str]]:
        self.test_hangup()
        result: dict[str, tuple[str, str]]
        try:
            result = super().execute(command, *args)
        except CallerHungUp:
            raise
        except AGIHangup as exc:
            self.hung_up = True
            raise CallerHungUp(str(exc)) from exc
        except AGIAppError as exc:
            # result=-1: an application error, or (much more often) the caller hung up.
            if self.hung_up or not self._channel_alive():
                self.hung_up = True
                raise CallerHungUp(str(exc)) from exc
            raise
        except ValueError as exc:
            raise AgiProtocolError(f"unreadable reply to {command}: {exc}") from exc
        return result

    def get_result(self, stdin: Any = None) -> dict[str, tuple[str, str]]:
        line = self.readline()
        if line.startswith("511"):
            self.hung_up = True
            raise CallerHungUp("command not permitted on a dead channel")
        self._pending_line = line
        result: dict[str, tuple[str, str]] = super().get_result()
        value = result.get("result", ("", ""))[0]
        # Asterisk's results are C ints; pyst2 turns them into characters with chr(), which
        # raises OverflowError (not one of its errors) on a larger number (found by fuzzing).
        if value.isascii() and value.lstrip("-").isdigit() and abs(int(value)) > MAX_RESULT:
            raise AgiProtocolError(f"result out of range in reply {line.strip()[:80]!r}")
        return result

    def record(
        self, path: str, file_format: str, escape_digits: str, timeout_ms: int, silence_s: int
    ) -> str:
        """RECORD FILE that stops on ``silence_s`` of silence; returns the key that stopped it.

        Not pyst2's ``record_file``: that one turns the reply's number into a character, but a
        silence stop replies ``result=<ms of silence> (timeout)``, not a key.
        """
        reply = self.execute(
            "RECORD FILE",
            self._quote(path),
            file_format,
            self._quote(escape_digits),
            timeout_ms,
            0,
            f"s={silence_s}",
        )
        value, data = reply["result"]
        return chr(int(value)) if data == "dtmf" and value.isdigit() else ""

    # --- the speech API (res_speech: SPEECH CREATE / SET / RECOGNIZE) -------------------------
    def reply_line(self, command: str, *args: Any) -> str:
        """Send a command and return its raw reply line, for replies pyst2 cannot parse
        (``SPEECH RECOGNIZE``'s quoted texts with spaces)."""
        self.test_hangup()
        self.send_command(command, *args)
        line = self.readline()
        if line.startswith("511"):
            self.hung_up = True
            raise CallerHungUp("command not permitted on a dead channel")
        return line

    def speech_create(self, engine: str) -> bool:
        """A speech object on ``engine`` (an aeap.conf client): False when the engine is down
        (Asterisk could not connect, or its setup failed)."""
        return self.reply_line("SPEECH CREATE", engine).startswith("200 result=1")

    def speech_set(self, name: str, value: str) -> bool:
        return self.reply_line("SPEECH SET", name, self._quote(value)).startswith("200 result=1")

    def speech_recognize(self, prompt: str, timeout_s: int) -> str:
        """Play ``prompt`` and listen until the engine answers, a key, or ``timeout_s`` after
        the prompt; the raw reply (``ivr.streaming.aeap.parse_recognize_reply``)."""
        return self.reply_line("SPEECH RECOGNIZE", self._quote(prompt), timeout_s)

    def speech_destroy(self) -> None:
        self.reply_line("SPEECH DESTROY")

    def _channel_alive(self) -> bool:
        try:
            self.send_command("CHANNEL STATUS")
            reply = self.readline()
        except CallerHungUp:
            return False
        return not self.hung_up and reply.startswith("200") and "result=-1" not in reply

    def close(self) -> None:
        """Close the socket (the server owns it too and closes it again: harmless)."""
        with contextlib.suppress(OSError):
            self._socket.close()
