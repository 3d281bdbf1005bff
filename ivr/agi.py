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
from typing import Any, BinaryIO

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
MAX_LINE_BYTES = 8192


class FastAgiChannel(AGI):  # type: ignore[misc]
    """The AGI session of one call over its FastAGI connection."""

    def __init__(self, connection: socket.socket) -> None:
        # Deliberately not calling AGI.__init__: it installs a signal handler (main thread only).
        self._socket = connection
        self._reader: BinaryIO = connection.makefile("rb")
        self._writer: BinaryIO = connection.makefile("wb")
        self.stdin = self  # pyst2 reads replies with self.stdin.readline()
        self.stdout = self
        self.stderr = _LogStream()
        self._got_sighup = False
        self.hung_up = False
        self._pending_line: str | None = None
        self.env: dict[str, str] = {}
        self._read_environment()

    # --- the stream interface pyst2 uses -------------------------------------------------
    def readline(self) -> str:
        if self._pending_line is not None:
            line, self._pending_line = self._pending_line, None
            return line
        raw = self._reader.readline(MAX_LINE_BYTES)
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
            self._writer.write(text.encode("utf-8"))
        except OSError as exc:
            self.hung_up = True
            raise CallerHungUp(f"cannot write to Asterisk: {exc}") from exc
        return len(text)

    def flush(self) -> None:
        try:
            self._writer.flush()
        except OSError as exc:
            self.hung_up = True
            raise CallerHungUp(f"cannot write to Asterisk: {exc}") from exc

    # --- environment and results -----------------------------------------------------------
    def _read_environment(self) -> None:
        for _ in range(MAX_ENV_LINES):
            line = self.readline().strip()
            if not line:
                break
            key, separator, value = line.partition(":")
            if not separator or not key.startswith("agi_"):
                raise AgiProtocolError(f"malformed AGI environment line: {line[:80]!r}")
            self.env[key.strip()] = value.strip()
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
        return super().get_result()  # type: ignore[no-any-return]

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

    def _channel_alive(self) -> bool:
        try:
            self.send_command("CHANNEL STATUS")
            reply = self.readline()
        except CallerHungUp:
            return False
        return not self.hung_up and reply.startswith("200") and "result=-1" not in reply

    def close(self) -> None:
        for stream in (self._reader, self._writer):
            with contextlib.suppress(OSError):
                stream.close()
