"""The ``central156`` commands, run as a user would (a subprocess with its own environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from citizen_center.db import Database
from citizen_center.domain.outcomes import CallOutcome
from citizen_center.models import utcnow
from citizen_center.services import calls
from ivr.journal import Journal
from ivr.recorder import make_entry
from tests.fixtures.postgres import free_port

# Each test starts several central156 processes (seconds each): not in the fast tier.
pytestmark = pytest.mark.slow


def central156(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citizen_center", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL156_")}
    env["CENTRAL156_DATA_DIR"] = str(tmp_path / "data")
    # An empty file: the defaults, whatever the developer's own config file says.
    config = tmp_path / "central156.toml"
    config.write_text("")
    env["CENTRAL156_CONFIG"] = str(config)
    return env


def test_upgrade_seed_demo_data_and_show_a_request(user_env: dict[str, str]) -> None:
    user_env |= {"CENTRAL156_ADMIN_USER": "admin", "CENTRAL156_ADMIN_PASSWORD": "admin-secret-1"}
    assert central156("db", "upgrade", env=user_env).returncode == 0
    seeded = central156("db", "seed", env=user_env)
    assert seeded.returncode == 0, seeded.stderr
    assert "25 service types" in seeded.stdout and "admin user 'admin' created" in seeded.stdout
    again = central156("db", "seed", env=user_env)  # idempotent
    assert again.returncode == 0 and "0 new focal points" in again.stdout

    demo = central156(
        "demo-data", "--citizens", "20", "--requests", "50", "--calls", "10", env=user_env
    )
    assert demo.returncode == 0, demo.stderr

    from citizen_center.db import Database
    from citizen_center.domain.protocol import format_protocol_number
    from citizen_center.models import ServiceRequest

    database = Database.from_url(f"sqlite:///{user_env['CENTRAL156_DATA_DIR']}/central156.sqlite3")
    with database.transaction() as session:
        number = session.query(ServiceRequest.number).limit(1).scalar()
    database.dispose()
    assert number is not None
    shown = central156("request", "show", format_protocol_number(number), env=user_env)
    assert shown.returncode == 0, shown.stderr
    assert f"Protocolo {format_protocol_number(number)}" in shown.stdout
    assert "Histórico:" in shown.stdout and "Previsão:" in shown.stdout
    # LGPD (issue 11): the read is audited, by the system account that ran the command.
    from citizen_center.models import AuditLog

    database = Database.from_url(f"sqlite:///{user_env['CENTRAL156_DATA_DIR']}/central156.sqlite3")
    with database.transaction() as session:
        audited = session.execute(
            select(AuditLog.actor_label, AuditLog.detail).where(
                AuditLog.detail == f"request_view {number}"
            )
        ).all()
    database.dispose()
    assert len(audited) == 1 and audited[0].actor_label.startswith("cli:")


def test_bad_protocol_numbers_get_a_clear_message(user_env: dict[str, str]) -> None:
    central156("db", "upgrade", env=user_env)
    invalid = central156("request", "show", "12345", env=user_env)
    assert invalid.returncode == 1 and "Número de protocolo inválido" in invalid.stderr
    unknown = central156("request", "show", "2026-0999999-2", env=user_env)
    assert unknown.returncode == 1 and "não encontrado" in unknown.stderr
    assert "Traceback" not in invalid.stderr + unknown.stderr


def test_database_down_gets_a_clear_message(user_env: dict[str, str]) -> None:
    user_env["CENTRAL156_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{free_port()}/none"
    result = central156("request", "show", "2026-0999999-2", env=user_env)
    assert result.returncode == 1
    assert "cannot connect to PostgreSQL" in result.stderr and "start PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
    upgrade = central156("db", "upgrade", env=user_env)
    assert upgrade.returncode == 1 and "cannot connect to PostgreSQL" in upgrade.stderr


def test_an_administrator_unlocks_a_user(user_env: dict[str, str]) -> None:
    user_env |= {"CENTRAL156_ADMIN_USER": "admin", "CENTRAL156_ADMIN_PASSWORD": "admin-secret-1"}
    assert central156("db", "upgrade", env=user_env).returncode == 0
    assert central156("db", "seed", env=user_env).returncode == 0

    from citizen_center.db import Database
    from citizen_center.models import User
    from citizen_center.services import users

    database = Database.from_url(f"sqlite:///{user_env['CENTRAL156_DATA_DIR']}/central156.sqlite3")
    try:
        for _ in range(users.MAX_FAILURES):
            with database.transaction() as session:
                users.authenticate(session, "admin", "errada")
        unlocked = central156("user", "unlock", "admin", env=user_env)
        assert unlocked.returncode == 0, unlocked.stderr
        assert "Usuário 'admin' desbloqueado" in unlocked.stdout
        with database.transaction() as session:
            admin = session.query(User).filter_by(username="admin").one()
            assert (admin.failed_logins, admin.locked_until) == (0, None)
            assert users.authenticate(session, "admin", "admin-secret-1").user is not None
    finally:
        database.dispose()
    unknown = central156("user", "unlock", "ninguem", env=user_env)
    assert unknown.returncode == 1 and "não encontrado" in unknown.stderr


def test_ivr_replay_and_sweep_by_hand(user_env: dict[str, str], tmp_path: Path) -> None:
    """An IVR machine whose service will not start again: its journal is replayed by hand, and
    the calls it left open are closed as lost."""
    assert central156("db", "upgrade", env=user_env).returncode == 0
    journal = Journal(tmp_path / "data" / "ivr-journal")  # the default folder
    journal.append(make_entry("open", "1700000000.7", "k1", caller_number="+5551999990007"))
    journal.append(make_entry("step", "1700000000.7", "k2", step="welcome"))

    swept = central156("ivr", "sweep", env=user_env)
    assert swept.returncode != 0 and "ivr replay" in swept.stderr  # journal first
    replayed = central156("ivr", "replay", env=user_env)
    assert replayed.returncode == 0, replayed.stderr
    assert "2 entries replayed, 0 dropped" in replayed.stdout

    database = Database.from_url(f"sqlite:///{tmp_path / 'data' / 'central156.sqlite3'}")
    try:
        with database.transaction() as session:
            call = calls.get_call(session, "1700000000.7")
            call.started_at = utcnow() - timedelta(hours=2)
        swept = central156("ivr", "sweep", env=user_env)
        assert swept.returncode == 0, swept.stderr
        assert "1 lost call(s) closed: 1700000000.7" in swept.stdout
        with database.transaction() as session:
            assert calls.get_call(session, "1700000000.7").outcome is CallOutcome.IVR_LOST
    finally:
        database.dispose()
