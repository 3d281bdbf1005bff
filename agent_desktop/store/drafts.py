"""Drafts of open forms on disk, so nothing typed is lost when the app or the machine crashes.

One JSON file per form (``<drafts dir>/<agent>/<form>.json``), replaced atomically (write a
temporary file, fsync, rename), so a crash mid-write leaves the previous draft intact.

Thread-safety: methods may be called from any thread; each write is atomic on its own, and the
GUI thread is the only writer in practice.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class DraftStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, name: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        return self.folder / f"{safe}.json"

    def save(self, name: str, data: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._path(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, name: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("draft %s unreadable, ignored: %s", name, exc)
            return None
        return data if isinstance(data, dict) else None

    def discard(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.json")) if self.folder.is_dir() else []
