"""Desktop tests run Qt without a display (offscreen), against the session's real Asterisk."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
