"""Screenshots of the wallboard (64 agents) and the statistics views, taken under Xvfb.

Written to ``$CENTRAL156_SCREENSHOT_DIR`` (``docs/screenshots`` to refresh the committed ones),
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
NAMES = ("wallboard", "statistics-by-hour", "statistics-channels", "statistics-satisfaction")


def test_screenshots_of_the_supervisor_views_under_xvfb(
    database: Database,
    tmp_path: Path,
    xvfb_run: list[str],
) -> None:
    folder = Path(os.environ.get("CENTRAL156_SCREENSHOT_DIR", tmp_path))
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    subprocess.run(
        [
            *xvfb_run,
            sys.executable,
            "-m",
            "tests.desktop.supervisor_screenshot_app",
            str(database.engine.url),
            str(folder),
        ],
        check=True,
        env=env,
        timeout=150,
        cwd=Path(__file__).resolve().parents[2],
    )
    for name in NAMES:
        image = QImage(str(folder / f"{name}.png"))
        assert (image.width(), image.height()) == (1366, 768), name
