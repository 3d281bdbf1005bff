"""``central156 demo run`` starts the citizens' web server beside the PBX, the IVR and the
gateway, prints its addresses, and stops it with the rest. Run as a user would: the real command
in a subprocess, with its own data folder, database and free ports (beside any demo running)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from pbx.provision import AsteriskInstall
from tests.fixtures.asterisk import free_port, free_rtp_range

# Starts Asterisk, the IVR, the gateway and the web server (seconds each).
pytestmark = [pytest.mark.slow, pytest.mark.web]

START_SECONDS = 90.0


def demo_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL156_")}
    env.pop("DISPLAY", None)  # no desktop: the demo waits for a signal instead
    env.pop("WAYLAND_DISPLAY", None)
    config = tmp_path / "central156.toml"
    config.write_text("")  # the defaults, whatever the developer's own file says
    rtp_start, rtp_end = free_rtp_range()
    return env | {
        "CENTRAL156_CONFIG": str(config),
        "CENTRAL156_DATA_DIR": str(tmp_path / "data"),
        "CENTRAL156_PBX_RUNTIME_DIR": str(tmp_path / "pbx"),
        "CENTRAL156_PBX_AMI_PORT": str(free_port()),
        "CENTRAL156_PBX_SIP_PORT": str(free_port(socket.SOCK_DGRAM)),
        "CENTRAL156_PBX_RTP_START": str(rtp_start),
        "CENTRAL156_PBX_RTP_END": str(rtp_end),
        "CENTRAL156_IVR_LISTEN_PORT": str(free_port()),
        "CENTRAL156_GATEWAY_PORT": str(free_port()),
        "CENTRAL156_WEB_PORT": str(free_port()),
    }


def central156(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "citizen_center", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def collect_lines(demo: subprocess.Popen[str]) -> list[str]:
    """The demo's output, read as it comes (a thread, so the test can wait for a line)."""
    lines: list[str] = []
    assert demo.stdout is not None
    stream = demo.stdout
    threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True).start()
    return lines


def wait_for_line(lines: list[str], text: str, demo: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and demo.poll() is None:
        found = [line for line in list(lines) if text in line]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no line with {text!r} (exit status {demo.poll()}): {''.join(lines)}")


def test_demo_run_serves_the_web_and_stops_it(
    asterisk_install: AsteriskInstall, tmp_path: Path
) -> None:
    env = demo_env(tmp_path)
    central156("db", "upgrade", env=env)
    central156("db", "seed", env=env)
    base = f"http://127.0.0.1:{env['CENTRAL156_WEB_PORT']}"
    demo = subprocess.Popen(
        [sys.executable, "-m", "citizen_center", "demo", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = collect_lines(demo)
    try:
        banner = wait_for_line(lines, "Citizens' web page", demo)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        schema = httpx.get(f"{base}/openapi.json", timeout=5)
        assert schema.status_code == 200 and schema.json()["info"]["title"] == "Central 156"
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=120)
    assert demo.returncode == 0, "".join(lines)
    assert f"Citizens' web page at {base}/ and the Open311 API at {base}/open311/v2/" in banner
    assert "Press Ctrl-C to stop the demo" in "".join(lines)
    # Stopped with the rest: nothing listens on the web port any more.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)
