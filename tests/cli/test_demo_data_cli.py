"""Issue 11: ``central156 demo-data`` bounds its counts, refuses a database holding real data
unless forced, and completes or leaves nothing (even when killed). The real command in a
subprocess, on a real SQLite file."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from citizen_center.db import Database
from citizen_center.demo_data import DEMO_MARKER_USER
from citizen_center.models import Citizen, ServiceRequest, User
from citizen_center.services import citizens
from citizen_center.services.common import Actor
from tests.cli.test_cli import central156, user_env

__all__ = ["user_env"]  # the fixture, imported for these tests

# Each test runs central156 several times (seconds each): not in the fast tier.
pytestmark = pytest.mark.slow


def _database(env: dict[str, str]) -> Database:
    return Database.from_url(f"sqlite:///{env['CENTRAL156_DATA_DIR']}/central156.sqlite3")


def _prepared(env: dict[str, str]) -> None:
    for command in (("db", "upgrade"), ("db", "seed")):
        result = central156(*command, env=env)
        assert result.returncode == 0, result.stderr


def _counts(env: dict[str, str]) -> tuple[int, int, bool]:
    database = _database(env)
    try:
        with database.transaction() as session:
            return (
                session.scalar(select(func.count()).select_from(Citizen)) or 0,
                session.scalar(select(func.count()).select_from(ServiceRequest)) or 0,
                session.scalar(select(User.id).where(User.username == DEMO_MARKER_USER))
                is not None,
            )
    finally:
        database.dispose()


def test_counts_are_bounded_before_anything_is_written(user_env: dict[str, str]) -> None:
    result = central156("demo-data", "--citizens", "99999999999999999999999", env=user_env)
    assert result.returncode == 2  # click's usage error
    assert "Invalid value for '--citizens'" in result.stderr and "0<=x<=" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (Path(user_env["CENTRAL156_DATA_DIR"]) / "central156.sqlite3").exists()


def test_a_database_with_real_data_is_refused_unless_forced(user_env: dict[str, str]) -> None:
    _prepared(user_env)
    database = _database(user_env)
    with database.transaction() as session:
        citizens.register_citizen(
            session,
            citizens.CitizenInput(name="Cidadã Real", phones=["51999990000"]),
            Actor.system("test"),
        )
    database.dispose()

    small = ("demo-data", "--citizens", "5", "--requests", "10", "--calls", "5")
    refused = central156(*small, env=user_env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    (line,) = [x for x in refused.stderr.splitlines() if x.startswith("Error:")]
    assert "not demo data" in line and "--force" in line
    assert _counts(user_env) == (1, 0, False), "nothing written"

    forced = central156(*small, "--force", env=user_env)
    assert forced.returncode == 0, forced.stderr
    assert _counts(user_env) == (6, 10, True)
    again = central156(*small, env=user_env)  # a demo database now: no --force needed
    assert again.returncode == 0, again.stderr


@pytest.mark.faults
def test_a_killed_run_leaves_nothing_behind(user_env: dict[str, str], tmp_path: Path) -> None:
    _prepared(user_env)
    log = tmp_path / "demo.log"
    with log.open("w") as stderr:
        # 25,000 citizens: more than one chunk of 20,000 is written before the requests start.
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "citizen_center",
                "demo-data",
                "--citizens",
                "25000",
                "--requests",
                "2000000",
                "--calls",
                "0",
            ],
            env=user_env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 240
            while "requests" not in log.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            assert process.poll() is None, log.read_text()
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
    assert _counts(user_env) == (0, 0, False)
