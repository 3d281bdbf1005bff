"""How calls end, and how a caller's stay in a queue ends.

The values are the strings the tables have always held (``call.outcome``, ``queue_call.outcome``),
so the enums needed no data migration; renaming a value would.
"""

from __future__ import annotations

import enum


class CallOutcome(enum.StrEnum):
    """How a call to 156 ended, or stands so far (``Call.outcome``)."""

    UNSET = ""
    """Nothing said yet: the record was opened (by the IVR, or by the desktop when an agent
    answered) and nobody has noted an outcome; also what a crashed IVR leaves behind."""
    SELF_SERVICE = "self_service"
    """The caller was served by the IVR alone (e.g. heard a protocol's status) and the call ended
    there. Set by the IVR's main menu (``ivr/handlers/main_menu.py``)."""
    QUEUED = "queued"
    """The IVR handed the call to a queue (also when the database was down); the call goes on,
    so the IVR does not close the record. Set by the IVR's main menu. A caller who then leaves
    the queues without an agent (gave up, waited too long, the PBX restarted) stays ``QUEUED``
    here, and the queue_log import gives the record its end time: the queue's side says how it
    ended (``QueueOutcome``)."""
    HANGUP_IN_IVR = "hangup_in_ivr"
    """The caller hung up (or the IVR failed) before being served or queued. Set by the IVR's
    main menu."""
    ANSWERED = "answered"
    """An agent answered. Set by the desktop's wrap-up (``agent_desktop/store/service.py``), by
    the IVR's satisfaction survey after the agent's part (``ivr/handlers/survey.py``), and by the
    lost-call sweeper for a queued call answered longer than ``[ivr] lost_call_after_s`` ago and
    never ended (its IVR died in the survey)."""
    ABANDONED = "abandoned"
    """The caller gave up in the queue. Only the demo data (``citizen_center/demo_data.py``)
    writes it: live calls keep ``QUEUED``, and the abandon is recorded in ``queue_call``."""
    IVR_LOST = "ivr_lost"
    """The IVR serving the call stopped (killed, crashed, its machine lost) before noting how the
    call ended: nobody knows whether the caller was served. Set by the lost-call sweeper
    (``citizen_center/services/calls.py`` ``close_lost_calls``, run by the IVR service) on a
    call left without an outcome and an end time for longer than ``[ivr] lost_call_after_s``;
    its end time is the last moment the call was seen alive (its last step)."""


class QueueOutcome(enum.StrEnum):
    """How one caller's stay in one queue ended (``QueueCall.outcome``).

    Set by the queue_log import (``citizen_center/services/queue_log.py``) from the event that
    ended the stay, and by the demo data.
    """

    WAITING = "waiting"
    """Still in the queue when the queue_log was last imported."""
    ANSWERED = "answered"
    """An agent took the call (CONNECT, COMPLETEAGENT, COMPLETECALLER, transfers)."""
    ABANDONED = "abandoned"
    """The caller hung up while waiting (ABANDON). Short abandons are these with a short wait;
    the threshold is a setting applied in the reports."""
    TIMEOUT = "timeout"
    """The queue's maximum wait ran out (EXITWITHTIMEOUT)."""
    EMPTY = "empty"
    """The queue had no agents to wait for (EXITEMPTY)."""
    KEY = "key"
    """The caller left the queue by pressing a key (EXITWITHKEY)."""
    PBX_RESTART = "pbx_restart"
    """The PBX stopped while the caller waited (a crash, or a restart that wrote no exit for
    the caller): the stay was still open at the next QUEUESTART, whose time is its end. Not an
    abandon: the caller did not choose to leave."""
