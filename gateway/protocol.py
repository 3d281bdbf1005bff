"""The gateway's wire format: JSON messages over one WebSocket per desktop.

A PBX message travels as its AMI headers in order (``[["Event", "AgentCalled"], ...]``): AMI
repeats some headers (``ChanVariable``), so it is not a dict. ``PbxMessage`` gives the desktop
the same reading methods the gateway has, without the desktop importing anything of the PBX.

Server to desktop:
- ``{"type": "hello", "user": {...}, "pbx": "up"|"down"}`` once, after the handshake;
- ``{"type": "pbx", "state": "up"|"down"}`` whenever the gateway's AMI session is (re)established
  or lost — "up" is the desktop's signal to resynchronise;
- ``{"type": "event", "headers": [...]}`` an event this user may see;
- ``{"type": "response", "id": "...", "headers": [...], "events": [[...], ...]}`` the answer to
  an action (a refused action is an ``Error`` response whose ``Message`` says why).

Desktop to server: ``{"type": "action", "id": "...", "action": "QueuePause", "fields": {...}}``.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

API_PREFIX = "/v1"
LOGIN_PATH = f"{API_PREFIX}/session"
STREAM_PATH = f"{API_PREFIX}/stream"
HEALTH_PATH = f"{API_PREFIX}/health"

_VARIABLE = re.compile(r"^([^=]*)=(.*)$", re.S)


def interface_key(interface: str) -> str:
    """A phone interface as Asterisk compares it: it may change the case of the technology part
    (``pjsip/`` vs ``PJSIP/``)."""
    return interface.strip().casefold()


def same_interface(a: str, b: str) -> bool:
    return interface_key(a) == interface_key(b)


class MessageType(enum.StrEnum):
    HELLO = "hello"
    PBX = "pbx"
    EVENT = "event"
    RESPONSE = "response"
    ACTION = "action"


class PbxState(enum.StrEnum):
    UP = "up"
    DOWN = "down"


class ProtocolError(ValueError):
    """A message that is not valid JSON or not of the expected shape."""


@dataclass(frozen=True)
class PbxMessage:
    """One PBX event or response as the gateway forwarded it (headers in the PBX's order)."""

    headers: tuple[tuple[str, str], ...]

    @cached_property
    def _first(self) -> dict[str, str]:
        # Built on the first read: the hub reads a few headers of every event, and an
        # AgentCalled has some fifty.
        found: dict[str, str] = {}
        for name, value in self.headers:
            found.setdefault(name.lower(), value)
        return found

    def get(self, key: str, default: str = "") -> str:
        """The first header of this name (AMI header names are case-insensitive)."""
        return self._first.get(key.lower(), default)

    def get_all(self, key: str) -> list[str]:
        wanted = key.lower()
        return [value for name, value in self.headers if name.lower() == wanted]

    @property
    def name(self) -> str:
        return self.get("Event") or self.get("Response")

    def variables(self, header: str = "ChanVariable") -> dict[str, str]:
        """``ChanVariable: NAME=value`` headers as a dict (later ones win)."""
        found: dict[str, str] = {}
        for text in self.get_all(header):
            match = _VARIABLE.match(text)
            if match:
                found[match.group(1)] = match.group(2)
        return found

    def as_pairs(self) -> list[list[str]]:
        return [[name, value] for name, value in self.headers]

    @classmethod
    def from_pairs(cls, pairs: Iterable[Any]) -> PbxMessage:
        headers: list[tuple[str, str]] = []
        for pair in pairs:
            if not (
                isinstance(pair, list | tuple)
                and len(pair) == 2
                and all(isinstance(part, str) for part in pair)
            ):
                raise ProtocolError(f"a header must be a [name, value] pair of strings: {pair!r}")
            headers.append((pair[0], pair[1]))
        return cls(tuple(headers))

    @classmethod
    def error(cls, message: str) -> PbxMessage:
        return cls((("Response", "Error"), ("Message", message)))


@dataclass(frozen=True)
class ActionRequest:
    """A desktop's request for a PBX action."""

    request_id: str
    action: str
    fields: Mapping[str, str]

    def encode(self) -> str:
        return json.dumps(
            {
                "type": MessageType.ACTION,
                "id": self.request_id,
                "action": self.action,
                "fields": dict(self.fields),
            }
        )


def decode(text: str | bytes) -> dict[str, Any]:
    """A JSON object with a known ``type``, or ProtocolError."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object")
    try:
        MessageType(str(data.get("type")))
    except ValueError as error:
        raise ProtocolError(f"unknown message type: {data.get('type')!r}") from error
    return data


def decode_action(data: Mapping[str, Any]) -> ActionRequest:
    request_id, action, fields = data.get("id"), data.get("action"), data.get("fields", {})
    if not isinstance(request_id, str) or not 0 < len(request_id) <= 64:
        raise ProtocolError("an action needs an id (a string of 1-64 characters)")
    if not isinstance(action, str) or not action.isalnum() or len(action) > 64:
        raise ProtocolError(f"not an action name: {action!r}")
    if not isinstance(fields, dict) or not all(
        isinstance(key, str) and isinstance(value, str | int | bool)
        for key, value in fields.items()
    ):
        raise ProtocolError("action fields must be an object of strings")
    return ActionRequest(request_id, action, {key: _text(value) for key, value in fields.items()})


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_event(message: PbxMessage) -> str:
    return json.dumps({"type": MessageType.EVENT, "headers": message.as_pairs()})


def encode_response(request_id: str, response: PbxMessage, events: Iterable[PbxMessage]) -> str:
    return json.dumps(
        {
            "type": MessageType.RESPONSE,
            "id": request_id,
            "headers": response.as_pairs(),
            "events": [event.as_pairs() for event in events],
        }
    )


def encode_pbx_state(state: PbxState) -> str:
    return json.dumps({"type": MessageType.PBX, "state": state})


def encode_hello(user: Mapping[str, object], state: PbxState) -> str:
    return json.dumps({"type": MessageType.HELLO, "user": dict(user), "pbx": state})
