"""Run one Asterisk in the background: start, wait until fully booted, status, CLI, stop by PID."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from citizen_center.config import IvrSettings, PbxSettings, StreamingSettings
from pbx.ami import AmiClient, AmiError, connect_and_login
from pbx.provision import AsteriskInstall
from pbx.render import RuntimeLayout, effective_ami_secret, prepare_runtime

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class PbxError(RuntimeError):
    """Asterisk did not start, or is not the process we think it is."""


@dataclass(frozen=True)
class PbxStatus:
    running: bool
    pid: int | None
    detail: str


def start(
    pbx: PbxSettings,
    ivr: IvrSettings,
    install: AsteriskInstall,
    boot_timeout: float = 30.0,
    stop_with_caller: bool = False,
    streaming: StreamingSettings | None = None,
) -> int:
    """Render the configuration, start Asterisk detached, return its PID once fully booted.

    ``stop_with_caller``: Asterisk gets SIGTERM when the process that started it dies, even if
    that process is killed before it can stop it (a test run or a demo stopped with SIGKILL).
    """
    layout = prepare_runtime(pbx, ivr, install, streaming=streaming)
    running = running_pid(layout)
    if running is not None:
        raise PbxError(f"Asterisk already runs from {layout.root} (pid {running})")
    layout.console_log.parent.mkdir(parents=True, exist_ok=True)
    with layout.console_log.open("ab") as console:
        process = subprocess.Popen(
            install.argv("-C", str(layout.config_file), "-f", "-n"),
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal that started it does not stop the PBX.
            start_new_session=True,
            preexec_fn=_terminate_with_parent if stop_with_caller else None,
        )
    layout.pid_file.write_text(f"{process.pid}\n")
    try:
        wait_fully_booted(pbx, process, layout, boot_timeout)
    except BaseException:
        _terminate(process.pid)
        layout.pid_file.unlink(missing_ok=True)
        raise
    log.info(
        "Asterisk pid %d fully booted (AMI %s:%d, SIP %d)",
        process.pid,
        pbx.host,
        pbx.ami_port,
        pbx.sip_port,
    )
    return process.pid


def _terminate_with_parent() -> None:
    """In the child, before exec: ask Linux for SIGTERM when the parent dies (survives exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def wait_fully_booted(
    pbx: PbxSettings, process: subprocess.Popen[bytes], layout: RuntimeLayout, timeout: float
) -> None:
    """AMI answers only after the manager loaded; a FullyBooted event follows the login."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PbxError(
                f"Asterisk exited with code {process.returncode} while booting:\n"
                f"{tail(layout.console_log)}"
            )
        if _fully_booted(pbx, min(2.0, max(0.1, deadline - time.monotonic()))):
            return
        time.sleep(0.1)
    raise PbxError(f"Asterisk not fully booted after {timeout} s:\n{tail(layout.console_log)}")


def _fully_booted(pbx: PbxSettings, timeout: float) -> bool:
    client = AmiClient(pbx.host, pbx.ami_port, timeout)
    booted: list[bool] = []
    client.add_listener(lambda event: booted.append(event.get("Event") == "FullyBooted"))
    try:
        client.connect().login(pbx.ami_user, effective_ami_secret(pbx))
        end = time.monotonic() + timeout
        while not any(booted) and time.monotonic() < end:
            time.sleep(0.05)
        return any(booted)
    except (OSError, AmiError):
        return False
    finally:
        client.close()


def running_pid(layout: RuntimeLayout) -> int | None:
    """The PID from the pid file if that process is alive and is this runtime's Asterisk."""
    try:
        pid = int(layout.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_our_asterisk(pid, layout) else None


def _is_our_asterisk(pid: int, layout: RuntimeLayout) -> bool:
    # A recycled PID must never be signalled: check it runs with *this* runtime's config file.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and str(layout.config_file).encode() in cmdline


def stop(pbx: PbxSettings, timeout: float = 10.0) -> bool:
    """Stop the Asterisk of this runtime folder by its PID; False if none was running."""
    layout = RuntimeLayout(pbx.resolved_runtime_dir())
    pid = running_pid(layout)
    if pid is None:
        layout.pid_file.unlink(missing_ok=True)
        return False
    _terminate(pid, timeout)
    layout.pid_file.unlink(missing_ok=True)
    log.info("Asterisk pid %d stopped", pid)
    return True


def _terminate(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM (Asterisk shuts down cleanly), then SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, timeout):
            return


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Our own child must be reaped, or it stays a zombie that still "exists".
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return True
        except ChildProcessError:
            pass
        if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def status(pbx: PbxSettings) -> PbxStatus:
    layout = RuntimeLayout(pbx.resolved_runtime_dir())
    pid = running_pid(layout)
    if pid is None:
        return PbxStatus(False, None, f"not running (runtime folder {layout.root})")
    try:
        with connect_and_login(
            pbx.host, pbx.ami_port, pbx.ami_user, effective_ami_secret(pbx), events="off", timeout=3
        ) as client:
            uptime = client.command("core show uptime seconds").strip()
    except (OSError, AmiError) as error:
        return PbxStatus(True, pid, f"pid {pid}, AMI not answering: {error}")
    return PbxStatus(True, pid, f"pid {pid}, AMI {pbx.host}:{pbx.ami_port}, {uptime}")


def cli(
    pbx: PbxSettings, install: AsteriskInstall, command: str
) -> subprocess.CompletedProcess[str]:
    """``asterisk -rx COMMAND`` against this runtime's Asterisk (through its control socket)."""
    layout = RuntimeLayout(pbx.resolved_runtime_dir())
    return subprocess.run(
        install.argv("-C", str(layout.config_file), "-rx", command),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"
