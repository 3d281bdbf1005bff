"""``central156 demo run``: the whole system on one machine, for a newcomer or a presentation.

Starts the local Asterisk (with a demo agent "phone"), the IVR, the agent gateway and the citizens'
web server (the Open311 API and the citizen page) as their own processes, and the agent desktop
logged in (through the gateway) as a demo agent; stops them all when the desktop closes (or on
Ctrl-C when there is no screen to show it). Calls come from ``central156 demo call "..."``.

The demo agent's phone is a Local channel that answers at once and keeps the citizen on the
line for ``DEMO_TALK_SECONDS`` — time to register the request on the desktop — then hangs up,
which starts the satisfaction survey. Production uses the agents' SIP phones (PJSIP/agent-NNNN).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from citizen_center.config import Settings
from citizen_center.demo_data import DEMO_PASSWORD
from citizen_center.errors import CitizenCenterError
from gateway.client import trust
from gateway.protocol import HEALTH_PATH
from pbx import process
from pbx.provision import ensure_asterisk
from pbx.render import RuntimeLayout
from web.app import HEALTH_PATH as WEB_HEALTH_PATH

log = logging.getLogger(__name__)

DEMO_AGENT = "agente01"
DEMO_PHONE = "Local/2001@c156-demo-phone/n"
DEMO_TALK_SECONDS = 90
GATEWAY_START_SECONDS = 20.0
WEB_START_SECONDS = 20.0
DEMO_DIALPLAN = f"""; Written by `central156 demo run`: the demo agent's phone.
[c156-demo-phone]
exten => _X.,1,Answer()
 same => n,Playback(silence/1)
 same => n,Wait({DEMO_TALK_SECONDS})
 same => n,Hangup()
"""


@dataclass(frozen=True)
class DemoProcesses:
    pbx_pid: int
    ivr: subprocess.Popen[bytes]
    ivr_log: Path
    gateway: subprocess.Popen[bytes]
    gateway_log: Path
    web: subprocess.Popen[bytes]
    web_log: Path


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@contextmanager
def running_system(settings: Settings) -> Iterator[DemoProcesses]:
    """The PBX, the IVR, the agent gateway and the web server, stopped again (by their own
    process ids) when the block ends."""
    layout = RuntimeLayout(settings.pbx.resolved_runtime_dir())
    started_pbx = process.running_pid(layout) is None
    if started_pbx:
        layout.make_folders()
        (layout.etc / "extensions_local.conf").write_text(DEMO_DIALPLAN)
        pbx_pid = process.start(
            settings.pbx,
            settings.ivr,
            ensure_asterisk(settings.pbx),
            stop_with_caller=True,
            streaming=settings.streaming,
        )
    else:
        pbx_pid = process.running_pid(layout) or 0
        log.info("using the PBX already running (pid %d)", pbx_pid)
    ivr_log, gateway_log = layout.root / "ivr.log", layout.root / "gateway.log"
    web_log = layout.root / "web.log"
    # The streaming speech engine, when the settings name one (issue 12): beside the IVR.
    speech = (
        _start("speech", layout.root / "speech.log") if settings.streaming.engine_urls else None
    )
    ivr = _start("ivr", ivr_log)
    gateway = _start("gateway", gateway_log)
    web = _start("web", web_log)
    try:
        _wait_for_gateway(settings, gateway)
        _wait_for_web(settings, web)
        yield DemoProcesses(pbx_pid, ivr, ivr_log, gateway, gateway_log, web, web_log)
    finally:
        _stop(web, 10)
        _stop(gateway, 10)
        _stop(ivr, 40)  # the IVR lets calls in progress finish first
        if speech is not None:
            _stop(speech, 10)
        if started_pbx:
            process.stop(settings.pbx)


def _start(command: str, log_file: Path) -> subprocess.Popen[bytes]:
    with log_file.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "citizen_center", command, "serve"],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_gateway(
    settings: Settings, gateway: subprocess.Popen[bytes], timeout: float = GATEWAY_START_SECONDS
) -> None:
    """Until the gateway answers (the desktop logs in through it), or say why not."""
    url = f"{settings.gateway.resolved_url()}{HEALTH_PATH}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and gateway.poll() is None:
        try:
            httpx.get(url, timeout=1, verify=trust(settings.gateway.tls_ca_file))
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise CitizenCenterError(f"the agent gateway did not start ({url}); see its log")


def _wait_for_web(
    settings: Settings, web: subprocess.Popen[bytes], timeout: float = WEB_START_SECONDS
) -> None:
    """Until the citizens' web server answers, so the address printed is one that works."""
    # From the bound address, not public_url: a proxy in front may not be there in a demo.
    url = f"http://{settings.web.host}:{settings.web.port}{WEB_HEALTH_PATH}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise CitizenCenterError(f"the citizens' web server did not start ({url}); see its log")


def _stop(child: subprocess.Popen[bytes], grace_seconds: float) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            child.kill()


def run_demo(settings: Settings, echo: Callable[[str], None] = print) -> int:
    # A SIGTERM while the parts start (they take seconds) unwinds running_system like a Ctrl-C,
    # so the parts already started are stopped too: they run in sessions of their own and
    # would otherwise outlive the demo.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return _run_system(settings, echo)
    except KeyboardInterrupt:
        return 0


def _run_system(settings: Settings, echo: Callable[[str], None]) -> int:
    with running_system(settings) as system:
        echo(
            f"PBX running (pid {system.pbx_pid}), IVR running (pid {system.ivr.pid}, "
            f"log {system.ivr_log}), agent gateway at {settings.gateway.resolved_url()} "
            f"(pid {system.gateway.pid}, log {system.gateway_log})."
        )
        web_url = settings.web.resolved_url()
        echo(
            f"Citizens' web page at {web_url}/ and the Open311 API at {web_url}/open311/v2/ "
            f"(pid {system.web.pid}, log {system.web_log})."
        )
        echo(
            "Place a citizen call from another terminal:\n"
            '  .venv/bin/central156 demo call "tem um buraco enorme na minha rua"'
        )
        if not has_display():
            echo(
                "No screen here (DISPLAY is not set): the desktop is not shown. "
                "Press Ctrl-C to stop the demo."
            )
            _wait_for_stop()
            return 0
        return _run_desktop_until_closed_or_stopped()


def _run_desktop_until_closed_or_stopped() -> int:
    """The desktop as a child process, so a Ctrl-C or SIGTERM here still stops the IVR and PBX."""
    env = {
        **os.environ,
        "CENTRAL156_DESKTOP_PASSWORD": os.environ.get("CENTRAL156_DESKTOP_PASSWORD", DEMO_PASSWORD),
    }
    desktop = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "citizen_center",
            "desktop",
            "--user",
            DEMO_AGENT,
            "--interface",
            DEMO_PHONE,
            "--non-interactive",
        ],
        env=env,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    while desktop.poll() is None and not stopped.wait(0.5):
        pass
    if desktop.poll() is None:
        desktop.terminate()
        desktop.wait(20)
    return 0 if stopped.is_set() else int(desktop.returncode or 0)


def _wait_for_stop() -> None:
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    while not stopped.wait(0.5):
        pass
