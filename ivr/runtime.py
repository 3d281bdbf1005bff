"""What every call needs and a reload replaces: settings, database, catalogue, speech, prompts.

An ``IvrRuntime`` is immutable; ``RuntimeFactory.build()`` makes a new one (on start and on
SIGHUP) while calls in progress keep using the one they started with. The speech recogniser is
expensive to load, so the factory keeps it across reloads unless the engine setting changed.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from citizen_center.catalogue import Catalogue, shipped_catalogue
from citizen_center.config import Settings, load_settings
from citizen_center.db import Database
from citizen_center.services.catalogue import catalogue_from_database
from citizen_center.services.common import Policy
from ivr.intent import IntentMatcher
from ivr.intent.understanding import SpeechUnderstanding, load_understanding
from ivr.journal import Journal
from ivr.recorder import CallRecorder
from ivr.speech import Recognizer, SpeechUnavailableError, get_recognizer
from ivr.streaming.listen import EnginePool, PromptFiles

log = logging.getLogger(__name__)

# The IVR must answer within a caller's patience: a slow database is treated as a down one.
IVR_STATEMENT_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class IvrRuntime:
    settings: Settings
    database: Database
    catalogue: Catalogue
    matcher: IntentMatcher
    understanding: SpeechUnderstanding
    policy: Policy
    recognizer: Recognizer | None
    speech_problem: str
    prompts_dir: Path
    recordings_dir: Path
    # What the phone side writes goes through it (the journal when the database is away).
    recorder: CallRecorder
    # One recognition at a time per process: the engine uses both cores for each. Callers queue
    # here for at most ``[ivr] recognition_wait_s``, then the IVR moves them to the key menu.
    speech_gate: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(1))
    # Streaming turns (``ivr.streaming``): the engines Asterisk streams callers' audio to (none:
    # answers are recorded), and the joined prompt files SPEECH RECOGNIZE plays.
    engines: EnginePool = field(default_factory=lambda: EnginePool(()))
    prompt_files: PromptFiles = field(
        default_factory=lambda: PromptFiles(Path(tempfile.gettempdir()) / "c156-prompts")
    )

    def prompt_path(self, key: str) -> str:
        """What STREAM FILE wants: the absolute path without the extension."""
        return str(self.prompts_dir / key)


class RuntimeFactory:
    """Builds runtimes; thread-safe (reloads are serialised)."""

    def __init__(self, load: Callable[[], Settings] = load_settings) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._database: Database | None = None
        self._database_url = ""
        self._recognizer: Recognizer | None = None
        # Kept across reloads with the recogniser it guards.
        self._speech_gate = threading.Semaphore(1)
        self._speech_key: tuple[str, str] | None = None
        self._speech_problem = ""
        self._recorder: CallRecorder | None = None
        self._engines = EnginePool(())

    def build(self) -> IvrRuntime:
        with self._lock:
            settings = self._load()
            database = self._database_for(settings)
            catalogue = self._catalogue(database)
            recognizer = self._recognizer_for(settings)
            matcher = IntentMatcher(catalogue)
            ivr = settings.ivr
            recordings = ivr.resolved_recordings_dir()
            recordings.mkdir(parents=True, exist_ok=True)
            runtime = IvrRuntime(
                settings=settings,
                database=database,
                catalogue=catalogue,
                matcher=matcher,
                understanding=load_understanding(catalogue, matcher),
                policy=Policy.from_settings(settings.catalogue),
                recognizer=recognizer,
                speech_gate=self._speech_gate,
                speech_problem=self._speech_problem,
                prompts_dir=ivr.resolved_audio_dir() / "pt_BR",
                recordings_dir=recordings,
                recorder=self._recorder_for(settings),
                engines=self._engines_for(settings),
                # Beside the recordings: Asterisk reads these too (same path on every machine).
                prompt_files=PromptFiles(recordings / "prompts"),
            )
            log.info(
                "runtime ready catalogue=%s services=%d speech=%s streaming=%s prompts=%s",
                catalogue.version,
                len(catalogue.service_types),
                recognizer.engine if recognizer else f"none ({self._speech_problem})",
                ",".join(runtime.engines.names) or "off",
                runtime.prompts_dir,
            )
            return runtime

    def _database_for(self, settings: Settings) -> Database:
        url = settings.database.resolved_url()
        if self._database is None or url != self._database_url:
            if self._database is not None:
                self._database.dispose()
            self._database = Database.from_url(url, statement_timeout_ms=IVR_STATEMENT_TIMEOUT_MS)
            self._database_url = url
        return self._database

    def _engines_for(self, settings: Settings) -> EnginePool:
        # Kept across reloads while the engines stay the same: it remembers which are down.
        names = settings.streaming.engine_names()
        if names != self._engines.names:
            self._engines = EnginePool(names)
        return self._engines

    def _recorder_for(self, settings: Settings) -> CallRecorder:
        # One journal for the process's life: a reload must not strand entries in the old folder.
        if self._recorder is None:
            folder = settings.ivr.resolved_journal_dir()
            self._recorder = CallRecorder(Journal(folder))
            log.info("journal folder %s", folder)
        return self._recorder

    @staticmethod
    def _catalogue(database: Database) -> Catalogue:
        """The catalogue as the database has it (admins may edit it), else the shipped one."""
        base = shipped_catalogue()
        try:
            with database.transaction() as session:
                return catalogue_from_database(session, base)
        except Exception as exc:  # the IVR must start even without its database
            log.warning("using the shipped catalogue: the database's is unavailable (%s)", exc)
            return base

    def _recognizer_for(self, settings: Settings) -> Recognizer | None:
        key = (settings.ivr.speech_engine, str(settings.ivr.resolved_models_dir()))
        if key != self._speech_key:
            self._speech_key = key
            try:
                self._recognizer = get_recognizer(settings.ivr)
                self._speech_problem = ""
                warm_up(self._recognizer)
            except SpeechUnavailableError as exc:
                log.warning("speech recognition off, keys only: %s", exc)
                self._recognizer, self._speech_problem = None, str(exc)
        return self._recognizer


def warm_up(recognizer: Recognizer) -> None:
    """Recognise a second of silence once, so the first caller does not wait for the model's
    lazy initialisation (about 5 s for Whisper on 2 cores)."""
    with tempfile.TemporaryDirectory() as folder:
        silent = Path(folder) / "silence.wav"
        with wave.open(str(silent), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\0\0" * 8000)
        started = time.monotonic()
        recognizer.recognize(silent, None)
        log.info(
            "speech engine %s warmed up in %.1fs", recognizer.engine, time.monotonic() - started
        )
