"""Who may do and see what through the gateway: pure rules, no I/O.

An **agent** works only on their own phone interface: join or leave the call-centre queues, pause
and resume, read their own queue membership, hang up a call connected to them. They see the
events about their own interface and, without the caller's identity, the queue's join/abandon
events (the desktop withdraws a ringing offer when its caller hangs up).
A **supervisor** (or admin) reads every queue (the wallboard), pauses, resumes and removes any
agent. A **focal point** has no PBX rights. No one may set variables, originate, redirect, run CLI
commands or any other AMI action: those are what an attacker with the old shared AMI account
used to divert every caller or fake a caller ID.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from citizen_center.domain.workflow import Role
from gateway.protocol import PbxMessage, interface_key, same_interface

SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
# The caller-side queue events an agent's desktop needs, stripped to these headers.
ANONYMOUS_QUEUE_EVENTS = frozenset({"QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon"})
ANONYMOUS_HEADERS = ("Event", "Queue", "Uniqueid", "Position", "Count", "HoldTime")
# Per-interface events an agent sees when they are about the agent's own interface.
OWN_INTERFACE_EVENTS = frozenset(
    {
        "AgentCalled",
        "AgentConnect",
        "AgentComplete",
        "AgentRingNoAnswer",
        "AgentDump",
        "QueueMemberPause",
        "QueueMemberAdded",
        "QueueMemberRemoved",
        "QueueMemberStatus",
        "QueueMemberPenalty",
        "QueueMemberRinginuse",
    }
)
# What a QueueStatus list may show an agent: queue figures and their own membership.
AGENT_STATUS_EVENTS = frozenset({"QueueParams", "QueueMember"})


class Refusal(enum.StrEnum):
    """Why an action was refused (the text reaches the agent's screen, so it is pt-BR)."""

    NOT_ALLOWED = "Ação não permitida para este usuário"
    OTHER_INTERFACE = "Só é permitido agir sobre o próprio ramal"
    UNKNOWN_QUEUE = "Fila desconhecida"
    FIELD_NOT_ALLOWED = "Campo não permitido"
    NOT_YOUR_CALL = "Só é permitido encerrar a própria ligação"
    MISSING_FIELD = "Campo obrigatório ausente"


@dataclass(frozen=True)
class SessionUser:
    """Who is on the other end of a desktop connection (from a verified token)."""

    user_id: int
    username: str
    full_name: str
    role: Role
    interface: str

    @property
    def supervises(self) -> bool:
        return self.role in SUPERVISING_ROLES


@dataclass(frozen=True)
class Decision:
    allowed: bool
    fields: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""

    @classmethod
    def refuse(cls, refusal: Refusal, detail: str = "") -> Decision:
        return cls(False, reason=f"{refusal}: {detail}" if detail else str(refusal))


@dataclass(frozen=True)
class ActionRule:
    """The fields an action may carry, and which of them must name the user's own interface."""

    allowed_fields: frozenset[str]
    required: frozenset[str] = frozenset()
    own_interface_field: str = ""
    queue_field: str = ""


AGENT_RULES: dict[str, ActionRule] = {
    "QueueAdd": ActionRule(
        frozenset({"Queue", "Interface", "MemberName", "Paused", "Reason"}),
        frozenset({"Queue", "Interface"}),
        "Interface",
        "Queue",
    ),
    "QueueRemove": ActionRule(
        frozenset({"Queue", "Interface"}), frozenset({"Queue", "Interface"}), "Interface", "Queue"
    ),
    "QueuePause": ActionRule(
        frozenset({"Interface", "Paused", "Reason", "Queue"}),
        frozenset({"Interface", "Paused"}),
        "Interface",
        "Queue",
    ),
    "QueueStatus": ActionRule(frozenset({"Member", "Queue"}), frozenset(), "Member", "Queue"),
    "Hangup": ActionRule(frozenset({"Channel"}), frozenset({"Channel"})),
}
SUPERVISOR_RULES: dict[str, ActionRule] = {
    "QueueStatus": ActionRule(frozenset({"Member", "Queue"}), queue_field="Queue"),
    "QueueSummary": ActionRule(frozenset({"Queue"}), queue_field="Queue"),
    "QueuePause": ActionRule(
        frozenset({"Interface", "Paused", "Reason", "Queue"}),
        frozenset({"Interface", "Paused"}),
        queue_field="Queue",
    ),
    "QueueRemove": ActionRule(
        frozenset({"Queue", "Interface"}), frozenset({"Queue", "Interface"}), queue_field="Queue"
    ),
}


def authorise(
    user: SessionUser,
    action: str,
    fields: Mapping[str, str],
    queues: Collection[str],
    own_channels: Collection[str] = (),
) -> Decision:
    """May ``user`` run ``action``? The fields to send (an agent's QueueStatus is narrowed to
    their own interface, their QueueAdd carries their own name)."""
    rules = (
        SUPERVISOR_RULES
        if user.supervises
        else AGENT_RULES
        if user.role is Role.AGENT and user.interface
        else {}
    )
    rule = rules.get(action)
    if rule is None:
        return Decision.refuse(Refusal.NOT_ALLOWED, action)
    extra = sorted(set(fields) - rule.allowed_fields)
    if extra:
        return Decision.refuse(Refusal.FIELD_NOT_ALLOWED, ", ".join(extra))
    missing = sorted(name for name in rule.required if not fields.get(name))
    if missing:
        return Decision.refuse(Refusal.MISSING_FIELD, ", ".join(missing))
    if rule.queue_field and fields.get(rule.queue_field) and fields[rule.queue_field] not in queues:
        return Decision.refuse(Refusal.UNKNOWN_QUEUE, fields[rule.queue_field])
    sent = dict(fields)
    if rule.own_interface_field:
        named = sent.setdefault(rule.own_interface_field, user.interface)
        if not same_interface(named, user.interface):
            return Decision.refuse(Refusal.OTHER_INTERFACE, named)
    if action == "QueueAdd" and not user.supervises:
        sent["MemberName"] = user.full_name  # the wallboard shows who really logged in
    if action == "Hangup" and not user.supervises and sent["Channel"] not in own_channels:
        return Decision.refuse(Refusal.NOT_YOUR_CALL, sent["Channel"])
    return Decision(True, sent)


@dataclass(frozen=True)
class Audience:
    """Who may see one event, decided once per event (the hub fans it out by this, instead of
    asking the rules once per connected desktop)."""

    supervisors: bool = False
    # Every agent sees this version (the caller's identity stripped), or None.
    all_agents: PbxMessage | None = None
    # The agent on this phone interface (casefolded) sees the event whole, or "".
    interface: str = ""


def audience(event: PbxMessage) -> Audience:
    name = event.get("Event")
    supervisors = name.startswith(("Queue", "Agent"))
    if name in ANONYMOUS_QUEUE_EVENTS:
        stripped = PbxMessage(
            tuple((key, event.get(key)) for key in ANONYMOUS_HEADERS if event.get(key))
        )
        return Audience(supervisors, all_agents=stripped)
    if name in OWN_INTERFACE_EVENTS:
        return Audience(supervisors, interface=interface_key(_interface_of(event)))
    return Audience(supervisors)


def is_agent_with_phone(user: SessionUser) -> bool:
    return user.role is Role.AGENT and bool(user.interface)


def visible_event(
    user: SessionUser, event: PbxMessage, seen_by: Audience | None = None
) -> PbxMessage | None:
    """The event as this user may see it, or None."""
    who = seen_by or audience(event)
    if user.supervises:
        return event if who.supervisors else None
    if not is_agent_with_phone(user):
        return None
    if who.all_agents is not None:
        return who.all_agents
    if who.interface and who.interface == interface_key(user.interface):
        return event
    return None


def visible_list(user: SessionUser, events: list[PbxMessage]) -> list[PbxMessage]:
    """The events of a list response this user may see (an agent: queue figures and their own
    membership; never the waiting callers' numbers)."""
    if user.supervises:
        return events
    return [
        event
        for event in events
        if event.get("Event") in AGENT_STATUS_EVENTS
        and (event.get("Event") != "QueueMember" or _about(event, user.interface))
    ]


def _interface_of(event: PbxMessage) -> str:
    return event.get("Interface") or event.get("Location") or event.get("StateInterface")


def _about(event: PbxMessage, interface: str) -> bool:
    return same_interface(_interface_of(event), interface)
