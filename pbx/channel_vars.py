"""The ``C156_*`` variables: the one definition of what the dialplan, the IVR and the desktop share.

The dialplan (``dialplans/*.conf``) stays text and spells the names itself; every Python module
uses ``ChannelVar`` instead of a literal. ``tests/pbx/test_channel_vars.py`` holds the two sides
together: a name in the dialplan that is not defined here, a member used nowhere, a variable the
desktop reads that nobody sets or that never reaches the agent, all fail there.

``ChannelVar`` is a ``StrEnum``: a member *is* its name, so it goes straight into an AGI command,
a ``dict`` of AMI ``ChanVariable`` values or a CLI line.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class ChannelVar(enum.StrEnum):
    # Per call: on the caller's channel (and, inherited, on the agent's).
    CALL_ID = "C156_CALL_ID"
    INTENT = "C156_INTENT"
    SERVICE = "C156_SERVICE"
    CITIZEN_ID = "C156_CITIZEN_ID"
    TEXT = "C156_TEXT"
    CONFIDENCE = "C156_CONFIDENCE"
    PROTOCOL = "C156_PROTOCOL"
    ROUTE = "C156_ROUTE"
    ROUTE_REASON = "C156_ROUTE_REASON"
    QUEUE = "C156_QUEUE"
    # Dialplan globals ([globals] in extensions.conf).
    AGI = "C156_AGI"
    AGI_BACKUP = "C156_AGI_BACKUP"
    SERVICE_HOURS = "C156_SERVICE_HOURS"
    TIMEZONE = "C156_TIMEZONE"
    SOUNDS = "C156_SOUNDS"
    ANNOUNCEMENT = "C156_ANNOUNCEMENT"
    SERVICE_QUEUE_WAIT = "C156_SERVICE_QUEUE_WAIT"
    GENERAL_QUEUE_WAIT = "C156_GENERAL_QUEUE_WAIT"

    @property
    def spec(self) -> VarSpec:
        return SPECS[self]

    @property
    def set_name(self) -> str:
        """The name to give ``Set``/``SET VARIABLE``: ``__`` makes Asterisk copy the variable to
        every channel created from this one (the queue's call to the agent)."""
        return f"__{self.value}" if self.spec.inherited else self.value


class Party(enum.StrEnum):
    """Who writes or reads a variable."""

    DIALPLAN = "dialplan"
    IVR = "IVR (FastAGI)"
    DESKTOP = "agent desktop (AMI AgentCalled ChanVariable)"
    CONFIGURATION = "configuration (rendered into [globals])"
    OPERATOR = "operator (CLI `dialplan set global`, AMI Setvar)"


class Scope(enum.Enum):
    CHANNEL = "channel"
    GLOBAL = "global"


@dataclass(frozen=True)
class VarSpec:
    meaning: str
    set_by: frozenset[Party]
    read_by: frozenset[Party]
    scope: Scope = Scope.CHANNEL
    inherited: bool = False  # set with ``__``: also on the agent's channel
    in_ami_events: bool = False  # listed in manager.conf ``channelvars``

    @property
    def is_global(self) -> bool:
        return self.scope is Scope.GLOBAL


def _call(
    meaning: str,
    set_by: set[Party],
    read_by: set[Party],
    *,
    inherited: bool = True,
    in_ami_events: bool = True,
) -> VarSpec:
    return VarSpec(
        meaning, frozenset(set_by), frozenset(read_by), Scope.CHANNEL, inherited, in_ami_events
    )


def _global(meaning: str, set_by: set[Party], read_by: set[Party]) -> VarSpec:
    return VarSpec(meaning, frozenset(set_by), frozenset(read_by), scope=Scope.GLOBAL)


_D, _I, _K = Party.DIALPLAN, Party.IVR, Party.DESKTOP
_C, _O = Party.CONFIGURATION, Party.OPERATOR

SPECS: Mapping[ChannelVar, VarSpec] = MappingProxyType(
    {
        ChannelVar.CALL_ID: _call(
            "The call's id: the caller channel's UNIQUEID, the key of the IVR's call row. Behind a "
            "Local channel the agent sees another Uniqueid, so the desktop prefers this one.",
            {_D},
            {_K},
        ),
        ChannelVar.INTENT: _call(
            "What the IVR understood: a service code, queue:<queue> or the intent kind.", {_I}, {_K}
        ),
        ChannelVar.SERVICE: _call(
            "The recognised service code; the desktop preselects it in the request form.",
            {_I},
            {_K},
        ),
        ChannelVar.CITIZEN_ID: _call(
            "The citizen identified by the caller's number (one match only); empty otherwise.",
            {_I},
            {_K},
        ),
        ChannelVar.TEXT: _call(
            "The caller's own words as recognised (the screen pop shows them).", {_I}, {_K}
        ),
        ChannelVar.CONFIDENCE: _call(
            "The recogniser's confidence in the intent, 0.00-1.00; empty for keys.", {_I}, {_K}
        ),
        ChannelVar.PROTOCOL: _call(
            "The protocol number the caller consulted in the IVR; the survey's 4th argument.",
            {_I},
            {_D, _K},
        ),
        ChannelVar.ROUTE: _call(
            "The IVR's decision: the queue to go to. Empty (or not set) sends the call to the "
            "failure path (or, with C156_AGI_BACKUP, to the backup IVR server). Only the "
            "dialplan right after AGI() needs it, so it is not inherited.",
            {_I},
            {_D},
            inherited=False,
        ),
        ChannelVar.ROUTE_REASON: _call(
            "Why the call is where it is when not by the IVR's plain decision: unknown-route, "
            "ivr-failure-<AGISTATUS>, overflow-<queue>-<QUEUESTATUS>, after-hours, survey, "
            "no-answer, database-unavailable...",
            {_D, _I},
            {_K},
        ),
        ChannelVar.QUEUE: _call(
            "The queue the caller is in now (after an overflow: geral); the survey's 1st argument.",
            {_D},
            {_D, _K},
        ),
        ChannelVar.AGI: _global("The IVR's FastAGI address, agi://host:port.", {_C, _O}, {_D}),
        ChannelVar.AGI_BACKUP: _global(
            "A second IVR server, agi://host:port, that takes a call over when C156_AGI fails "
            "(unreachable, or dead mid-call); empty for none.",
            {_C, _O},
            {_D},
        ),
        ChannelVar.SERVICE_HOURS: _global(
            "Opening hours in GotoIfTime form (times,weekdays,monthdays,months).", {_C, _O}, {_D}
        ),
        ChannelVar.TIMEZONE: _global("The time zone of the opening hours.", {_C}, {_D}),
        ChannelVar.SOUNDS: _global("The folder of the dialplan's own prompts.", {_C}, {_D}),
        ChannelVar.ANNOUNCEMENT: _global(
            "An optional message played before the IVR (file without extension); empty: none.",
            {_C, _O},
            {_D},
        ),
        ChannelVar.SERVICE_QUEUE_WAIT: _global(
            "Seconds in a service group's queue before overflowing to geral.", {_C}, {_D}
        ),
        ChannelVar.GENERAL_QUEUE_WAIT: _global(
            "Seconds in geral before the no-agents message (0: no limit).", {_C}, {_D}
        ),
    }
)
