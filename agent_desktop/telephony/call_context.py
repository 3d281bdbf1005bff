"""What a queue event tells the desktop about a call: pure data, parsed from AMI messages."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from gateway.protocol import PbxMessage
from pbx.channel_vars import ChannelVar


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class IvrContext:
    """What the IVR learned before the call reached the queue (the ``C156_*`` variables: see
    ``pbx.channel_vars`` for who sets each one and how it reaches AgentCalled)."""

    text: str = ""
    intent: str = ""
    service_code: str = ""
    confidence: float | None = None
    protocol: str = ""
    citizen_id: int | None = None
    route_reason: str = ""

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> IvrContext:
        return cls(
            text=variables.get(ChannelVar.TEXT, ""),
            intent=variables.get(ChannelVar.INTENT, ""),
            service_code=variables.get(ChannelVar.SERVICE, ""),
            confidence=_float_or_none(variables.get(ChannelVar.CONFIDENCE, "")),
            protocol=variables.get(ChannelVar.PROTOCOL, ""),
            citizen_id=_int_or_none(variables.get(ChannelVar.CITIZEN_ID, "")),
            route_reason=variables.get(ChannelVar.ROUTE_REASON, ""),
        )


@dataclass(frozen=True)
class CallContext:
    """One call offered to this agent. ``uniqueid`` is the caller's channel (the IVR's call row)."""

    uniqueid: str
    caller_uniqueid: str  # the queue caller's channel (differs from uniqueid behind Local channels)
    channel: str
    caller_number: str
    caller_name: str
    queue: str
    ivr: IvrContext
    offered_at: float  # time.monotonic() when AgentCalled arrived
    wait_seconds: float | None = None
    connected: bool = False
    talk_seconds: float | None = None

    @classmethod
    def from_agent_called(
        cls, event: PbxMessage, joined_at: float | None = None, now: float | None = None
    ) -> CallContext:
        moment = time.monotonic() if now is None else now
        variables = event.variables()
        return cls(
            uniqueid=variables.get(ChannelVar.CALL_ID) or event.get("Uniqueid"),
            caller_uniqueid=event.get("Uniqueid"),
            channel=event.get("Channel"),
            caller_number=_caller_number(event.get("CallerIDNum")),
            caller_name=_caller_name(event.get("CallerIDName")),
            queue=event.get("Queue") or variables.get(ChannelVar.QUEUE, ""),
            ivr=IvrContext.from_variables(variables),
            offered_at=moment,
            wait_seconds=moment - joined_at if joined_at is not None else None,
        )

    def connected_by(self, event: PbxMessage) -> CallContext:
        hold = _float_or_none(event.get("HoldTime"))
        return replace(
            self, connected=True, wait_seconds=hold if hold is not None else self.wait_seconds
        )

    def completed_by(self, event: PbxMessage) -> CallContext:
        return replace(self, talk_seconds=_float_or_none(event.get("TalkTime")))


def _caller_number(value: str) -> str:
    return "" if value in ("", "<unknown>", "unknown") else value


def _caller_name(value: str) -> str:
    return "" if value in ("", "<unknown>", "unknown") else value
