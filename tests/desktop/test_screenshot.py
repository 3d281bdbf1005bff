"""A screenshot of the main window during a call, taken under Xvfb (for the README).

Written to ``$CENTRAL156_SCREENSHOT_DIR`` (``docs/screenshots`` to refresh the committed one),
else to the test's temporary folder, so an ordinary test run leaves the checkout clean.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from citizen_center.db import Database

pytestmark = pytest.mark.slow


def test_screenshot_of_a_call_under_xvfb(
    database: Database,
    agent: object,
    known_citizen: tuple[int, str, str],
    tmp_path: Path,
    xvfb_run: list[str],
) -> None:
    folder = Path(os.environ.get("CENTRAL156_SCREENSHOT_DIR", tmp_path))
    out = folder / "desktop-call.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    subprocess.run(
        [
            *xvfb_run,
            sys.executable,
            "-m",
            "tests.desktop.screenshot_app",
            str(database.engine.url),
            known_citizen[1],
            str(out),
        ],
        check=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1366, 768)
