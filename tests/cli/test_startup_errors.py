"""Issue 11: a database that cannot be used stops every command at start-up with one line
("Error: <problem>: <fix>", exit status 1), never a traceback. Run as a user would: the real
``central156`` in a subprocess, real SQLite, a PostgreSQL port nobody listens on."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_cli import central156, user_env
from tests.fixtures.postgres import free_port

__all__ = ["user_env"]  # the fixture, imported for these tests

# Every case starts a central156 process (a second or more each): not in the fast tier.
pytestmark = pytest.mark.slow


def _settings(tmp_path: Path, case: str) -> dict[str, str]:
    """The environment that makes ``case`` happen."""
    if case == "malformed url":
        return {"CENTRAL156_DATABASE_URL": "notaurl://"}
    if case == "bad port":
        return {"CENTRAL156_DATABASE_URL": "postgresql://u:secret@db:notaport/x"}
    if case == "server down":
        return {"CENTRAL156_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/x"}
    if case == "data dir not writable":
        # A folder under a regular file cannot be made, even by root (the tests may run as root,
        # for whom a read-only folder is writable anyway).
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        return {"CENTRAL156_DATA_DIR": str(blocker / "data")}
    if case == "text file as database":
        fake = tmp_path / "notes.sqlite3"
        fake.write_text("these are my notes, not a database\n" * 100)
        return {"CENTRAL156_DATABASE_URL": f"sqlite:///{fake}"}
    if case == "not migrated":
        return {"CENTRAL156_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    raise AssertionError(case)


# What each case's one line must say: the problem and the fix.
EXPECTED = {
    "malformed url": ("unknown kind of database 'notaurl'", "fix CENTRAL156_DATABASE_URL"),
    "bad port": ("is malformed", "fix CENTRAL156_DATABASE_URL"),
    "server down": (
        "cannot connect to PostgreSQL",
        "start PostgreSQL, or fix CENTRAL156_DATABASE_URL",
    ),
    "data dir not writable": ("cannot create the database folder", "CENTRAL156_DATA_DIR"),
    "text file as database": ("is not a SQLite database", "point CENTRAL156_DATABASE_URL"),
    "not migrated": ("has no Central 156 tables", "run `central156 db upgrade`"),
}


def _assert_one_line_error(result_stderr: str, returncode: int, case: str) -> None:
    assert returncode == 1, result_stderr
    assert "Traceback" not in result_stderr
    errors = [line for line in result_stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result_stderr
    problem, fix = EXPECTED[case]
    assert problem in errors[0] and fix in errors[0], errors[0]
    assert "secret" not in result_stderr, "the password is never shown"


@pytest.mark.parametrize("case", [c for c in EXPECTED if c != "not migrated"])
def test_db_status_names_the_problem_and_the_fix(
    case: str, user_env: dict[str, str], tmp_path: Path
) -> None:
    result = central156("db", "status", env=user_env | _settings(tmp_path, case))
    _assert_one_line_error(result.stderr, result.returncode, case)


# The long-running commands and the other entry points, each with the cases that matter most;
# a server that started would not exit, so "exit status 1" proves they failed fast.
COMMANDS = [
    (("db", "upgrade"), "text file as database"),
    (("db", "upgrade"), "data dir not writable"),
    (("ivr", "serve", "--port", "0"), "text file as database"),
    (("ivr", "serve", "--port", "0"), "not migrated"),
    (("gateway", "serve"), "server down"),
    (("gateway", "serve"), "malformed url"),
    # Without a display Qt would fail anyway: the database's error comes first, before Qt.
    (("desktop", "--user", "agente01", "--non-interactive"), "text file as database"),
    (("desktop", "--user", "agente01", "--non-interactive"), "server down"),
    (("request", "show", "2026-0000001-0"), "not migrated"),
    (("demo-data",), "malformed url"),
]


@pytest.mark.parametrize(
    ("command", "case"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v
)
def test_commands_fail_fast_with_one_line(
    command: tuple[str, ...], case: str, user_env: dict[str, str], tmp_path: Path
) -> None:
    env = user_env | _settings(tmp_path, case) | {"QT_QPA_PLATFORM": "offscreen"}
    result = central156(*command, env=env)
    _assert_one_line_error(result.stderr, result.returncode, case)


def test_the_ivr_starts_without_a_database_that_is_only_down(
    user_env: dict[str, str], tmp_path: Path
) -> None:
    """A database server that is down is not a configuration mistake: the IVR says so in one
    line and serves callers anyway (its writes go to the journal), so restarting it during an
    outage does not leave every caller without the menu."""
    env = user_env | _settings(tmp_path, "server down")
    ivr = subprocess.Popen(
        [sys.executable, "-m", "citizen_center", "ivr", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(6)
        assert ivr.poll() is None, ivr.communicate()[1]
    finally:
        ivr.send_signal(signal.SIGTERM)
        _out, err = ivr.communicate(timeout=30)
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "cannot connect to PostgreSQL" in warnings[0]
    assert "Traceback" not in err
