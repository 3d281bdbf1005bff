"""The IVR's durable journal: what it could not write to the database, kept until it can.

One append-only file of JSON lines, ``journal.jsonl``, in ``[ivr] journal_dir``, shared by the
IVR processes of one machine through an ``flock``. Each append is fsync'ed before the caller goes
on, so a crash or a power cut afterwards loses nothing. ``journal.replayed`` holds the byte offset
up to which the entries were replayed; when everything is replayed the file is emptied, so it
only grows while the database is away.

A crash in the middle of an append leaves a torn last line. The next append starts on a new line
so the torn bytes stay a line of their own, and reading skips (and logs) any line that is not a
whole JSON object, instead of failing: one lost half-entry must not stop every later one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JOURNAL_FILE = "journal.jsonl"
REPLAYED_FILE = "journal.replayed"
LOCK_FILE = "journal.lock"
REPLAYER_LOCK_FILE = "journal.replayer.lock"


@dataclass(frozen=True)
class JournalLine:
    """One line read back: ``entry`` is None for a line that was not a whole JSON object;
    ``end`` is the offset just past it (what to mark replayed once it is dealt with)."""

    end: int
    entry: dict[str, Any] | None


class Journal:
    """Thread-safe and process-safe (flock); cheap to ask whether anything is pending."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / JOURNAL_FILE
        self._replayed_path = folder / REPLAYED_FILE
        self._lock_path = folder / LOCK_FILE
        # flock excludes other processes; this excludes this process's other threads without
        # relying on how the platform treats two descriptors of one process.
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, self._lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, entry: dict[str, Any]) -> None:
        """Add ``entry`` durably (written and fsync'ed when this returns)."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._locked(), self.path.open("ab") as out:
            if out.tell() and not self._ends_with_newline():
                out.write(b"\n")  # fence off a torn line left by a crash mid-append
            out.write(line.encode())
            out.flush()
            os.fsync(out.fileno())

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as existing:
            existing.seek(-1, os.SEEK_END)
            return existing.read(1) == b"\n"

    def pending(self) -> bool:
        """Whether some entries are not replayed yet."""
        with self._locked():
            return self._size() > self._replayed()

    def read_pending(self) -> list[JournalLine]:
        """The entries not replayed yet, in the order they were appended."""
        with self._locked():
            start = self._replayed()
            if self._size() <= start:
                return []
            with self.path.open("rb") as source:
                source.seek(start)
                data = source.read()
        lines: list[JournalLine] = []
        offset = start
        for raw in data.splitlines(keepends=True):
            offset += len(raw)
            lines.append(JournalLine(offset, _parse(raw, offset - len(raw), self.path)))
        return lines

    def mark_replayed(self, end: int) -> None:
        """Everything before ``end`` is in the database; empty the file when that is all."""
        with self._locked():
            if end >= self._size():
                # Truncate before resetting the offset: a crash between the two leaves an offset
                # past the end, read as "nothing pending", never a replay of old entries.
                with self.path.open("ab") as out:
                    out.truncate(0)
                    os.fsync(out.fileno())
                end = 0
            tmp = self._replayed_path.with_suffix(".tmp")
            with tmp.open("w") as out:
                out.write(str(end))
                out.flush()
                os.fsync(out.fileno())
            tmp.replace(self._replayed_path)

    @contextlib.contextmanager
    def replaying(self) -> Iterator[bool]:
        """Yields True for the one replayer of this folder (across processes), False to others:
        two replayers would write the same entries twice at the same moment."""
        with (self.folder / REPLAYER_LOCK_FILE).open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def _replayed(self) -> int:
        try:
            return int(self._replayed_path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0


def _parse(raw: bytes, offset: int, path: Path) -> dict[str, Any] | None:
    text = raw.decode(errors="replace").strip()
    if not text:
        return None
    try:
        entry = json.loads(text)
    except json.JSONDecodeError:
        entry = None
    if not raw.endswith(b"\n") or not isinstance(entry, dict):
        log.warning(
            "journal line skipped (torn or corrupt) file=%s offset=%d text=%.80r",
            path,
            offset,
            text,
        )
        return None
    return entry
