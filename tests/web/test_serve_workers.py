"""``central156 web serve`` with ``[web] workers = 2``: several uvicorn worker processes, each
with its own database pool, serve the API; SIGTERM stops them all. Run as production runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.postgres import free_port

# Starts a server and two workers (seconds).
pytestmark = [pytest.mark.slow, pytest.mark.web]


def test_two_workers_serve_the_api_and_stop_together(tmp_path: Path) -> None:
    config = tmp_path / "central156.toml"
    config.write_text("[web]\nworkers = 2\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL156_")} | {
        "CENTRAL156_CONFIG": str(config),
        "CENTRAL156_DATA_DIR": str(tmp_path / "data"),
        "CENTRAL156_WEB_PORT": str(port),
    }
    for step in (("db", "upgrade"), ("db", "seed")):
        done = subprocess.run(
            [sys.executable, "-m", "citizen_center", *step], env=env, capture_output=True
        )
        assert done.returncode == 0, done.stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "citizen_center", "web", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        services = wait_for(f"{base}/open311/v2/services.json", server)
        assert services.status_code == 200 and len(services.json()) > 10
        workers = [pid for pid in children(server.pid) if "spawn_main" in command_line(pid)]
        assert len(workers) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert not [pid for pid in workers if alive(pid)]


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(url: str, server: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=5)
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered (exit status {server.poll()})")
