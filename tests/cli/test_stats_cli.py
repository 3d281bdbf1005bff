"""``central156 stats`` and ``central156 inbox`` as a supervisor's scheduled jobs run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import central156, user_env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow  # central156 processes, seconds each
SAMPLE = Path(__file__).parents[1] / "fixtures" / "data" / "queue_log.sample"


def test_import_report_pdf_and_close_expired(user_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert central156("db", "upgrade", env=user_env).returncode == 0
    assert central156("db", "seed", env=user_env).returncode == 0
    imported = central156("stats", "import-queue-log", "--no-progress", str(SAMPLE), env=user_env)
    assert imported.returncode == 0, imported.stderr
    assert "37 new events" in imported.stdout and "2 malformed" in imported.stdout
    again = central156("stats", "import-queue-log", "--no-progress", str(SAMPLE), env=user_env)
    assert "0 new events" in again.stdout

    csv_path = tmp_path / "filas.csv"
    report = central156(
        "stats",
        "report",
        "calls",
        "--by",
        "queue",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--csv",
        str(csv_path),
        env=user_env,
    )
    assert report.returncode == 0, report.stderr
    assert "agua-esgoto" in report.stdout and "25.0 %" in report.stdout
    assert csv_path.read_text().splitlines()[0].startswith("key,offered,answered")

    pdf = tmp_path / "resumo.pdf"
    made = central156("stats", "pdf", str(pdf), "--months", "12", env=user_env)
    assert made.returncode == 0, made.stderr
    assert pdf.read_bytes().startswith(b"%PDF")

    closed = central156("inbox", "close-expired", env=user_env)
    assert closed.returncode == 0 and "0 resolved request(s) closed after 7 days" in closed.stdout
