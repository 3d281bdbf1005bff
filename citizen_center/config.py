"""Configuration: defaults, then a TOML file, then the environment.

The file is ``$CENTRAL156_CONFIG`` or ``<user config dir>/central156.toml``. Every setting can be
overridden from the environment as ``CENTRAL156_<SECTION>_<KEY>`` (for example
``CENTRAL156_PBX_AMI_PORT=5039``); the database URL also as ``CENTRAL156_DATABASE_URL``.
Secrets (AMI passwords, database URLs with passwords) belong in the file or the environment,
never in the repository.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

ENV_PREFIX = "CENTRAL156_"
APP_NAME = "central156"


def user_data_dir() -> Path:
    """Per-user folder for the embedded database, the PBX runtime and caches."""
    override = os.environ.get(f"{ENV_PREFIX}DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def user_cache_dir() -> Path:
    """Per-user folder for downloads that can be rebuilt (Asterisk packages, rendered audio)."""
    override = os.environ.get(f"{ENV_PREFIX}CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME))


def default_database_url() -> str:
    return f"sqlite:///{user_data_dir() / 'central156.sqlite3'}"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""
    echo: bool = False

    def resolved_url(self) -> str:
        return self.url or default_database_url()


@dataclass(frozen=True)
class CatalogueSettings:
    # Used where the city publishes no deadline for a service type.
    default_deadline_days: int = 30
    default_deadline_kind: str = "calendar"
    timezone: str = "America/Sao_Paulo"
    # Local numbers without an area code belong to Porto Alegre.
    default_area_code: str = "51"


@dataclass(frozen=True)
class PbxSettings:
    """Where the PBX is and how to reach it (the local one or a production box)."""

    host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "central156"
    ami_secret: str = ""
    sip_port: int = 5060
    rtp_start: int = 10000
    rtp_end: int = 10999
    runtime_dir: str = ""
    # Where Asterisk reaches the IVR's FastAGI server, "host:port"; empty means the [ivr] listen
    # address (the usual case: both on one machine).
    agi_address: str = ""
    # When the line takes calls, in Asterisk's GotoIfTime form "times,weekdays,monthdays,months".
    service_hours: str = "00:00-23:59,*,*,*"
    # Where a machine without its own Asterisk gets Debian's package (see pbx/provision.py).
    debian_mirror: str = "http://deb.debian.org/debian"
    debian_suite: str = "sid"

    def resolved_runtime_dir(self) -> Path:
        return Path(self.runtime_dir) if self.runtime_dir else user_data_dir() / "pbx"


def source_checkout_dir() -> Path | None:
    """The repository root when running from a source checkout (editable install), else None."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "setup.cfg").is_file() and (root / ".git").exists() else None


@dataclass(frozen=True)
class IvrSettings:
    """The IVR's settings.

    ``models_dir`` and ``audio_dir``, when empty, follow one rule: in a source checkout (the package
    runs from a git working tree, as with ``pip install -e .``) they are the checkout's top-level
    ``models/`` and ``audio/`` folders; otherwise (an installed package) ``<user data dir>/models``
    and ``<user data dir>/audio``. Rendered prompts go to ``<audio dir>/pt_BR/``.
    """

    listen_host: str = "127.0.0.1"
    listen_port: int = 4573
    speech_engine: str = "auto"
    models_dir: str = ""
    audio_dir: str = ""
    # A spoken answer's confidence is the calibrated probability that it is right
    # (``ivr.intent.understanding``). At or above this the IVR acts without asking back.
    intent_accept_confidence: float = 0.9
    # Below ``intent_accept_confidence`` but at or above this, the IVR confirms a service ("Você
    # disse...?"); below it, the answer counts as not understood and the caller is asked again.
    # Chosen on the evaluation set's dev part with the calibration cross-fitted (`central156
    # speech train` prints the trade-off): at 0.7 about 1 % misroutes and 95 % of off-menu
    # speech rejected; lower lets off-menu speech through. A wrong proposal costs the caller a
    # "não", not a transfer. Menu words (agent, repeat, status) are acted on from here.
    intent_confirm_confidence: float = 0.7
    # Failed speech attempts before the caller is offered the key menu.
    speech_max_failures: int = 2
    # Prompt synthesis: "auto" (gTTS, then espeak-ng when Google is unreachable), "gtts", "espeak".
    tts_engine: str = "auto"
    tts_timeout_seconds: float = 10.0
    # A caller's spoken answer: at most this long, and over after this much silence.
    record_max_ms: int = 10000
    record_silence_s: int = 2
    # Longest a caller waits for the recogniser when many speak at once; past it, the key menu.
    recognition_wait_s: float = 4.0
    # Where the caller's answers are recorded. Asterisk writes there and the IVR reads, so with
    # several machines it is a shared folder mounted at the same path on all of them.
    # Empty: <user data dir>/recordings.
    recordings_dir: str = ""

    def resolved_models_dir(self) -> Path:
        return self._resolved_dir(self.models_dir, "models")

    def resolved_audio_dir(self) -> Path:
        return self._resolved_dir(self.audio_dir, "audio")

    @staticmethod
    def _resolved_dir(configured: str, name: str) -> Path:
        if configured:
            return Path(configured)
        checkout = source_checkout_dir()
        return checkout / name if checkout else user_data_dir() / name


DEFAULT_WRAPUP_CODES = (
    "Solicitação registrada",
    "Consulta de protocolo",
    "Informação prestada",
    "Reclamação registrada",
    "Transferida para outro órgão",
    "Trote ou engano",
    "Ligação caiu",
)
DEFAULT_PAUSE_REASONS = ("Almoço", "Lanche", "Treinamento", "Backoffice", "Banheiro", "Feedback")


@dataclass(frozen=True)
class DesktopSettings:
    """The agent desktop. Lists are ``|``-separated when given as one string (environment)."""

    # AMI user of the desktops (manager.conf ``c156-desktop``); an empty secret means the local
    # PBX's generated one (``secrets.json`` in the [pbx] runtime folder).
    ami_user: str = "c156-desktop"
    ami_secret: str = ""
    # Queues an agent joins at login; empty means every queue of the line.
    queues: str = "agua-esgoto|limpeza-urbana|servicos-urbanos|transito-transporte|geral"
    wrapup_codes: str = "|".join(DEFAULT_WRAPUP_CODES)
    pause_reasons: str = "|".join(DEFAULT_PAUSE_REASONS)
    # "pause": an automatic pause with ``wrapup_pause_reason`` from the end of the call until the
    # wrap-up is saved; "queue": rely on the queue's own wrapuptime only.
    wrapup_mode: str = "pause"
    wrapup_pause_reason: str = "pós-atendimento"
    # A ring the agent did not answer pauses them (they are probably away from the desk).
    pause_on_missed_ring: bool = True
    missed_ring_pause_reason: str = "chamada perdida"
    # AMI keep-alive and reconnection (seconds).
    ping_interval: float = 5.0
    ping_timeout: float = 4.0
    reconnect_min_delay: float = 0.5
    reconnect_max_delay: float = 15.0
    # Where unsaved forms are kept so they survive a crash; empty: <user data dir>/drafts.
    drafts_dir: str = ""
    # UI language: a Qt locale name; "en" shows the untranslated (English) texts.
    language: str = "pt_BR"

    @staticmethod
    def split(value: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in value.split("|") if part.strip())

    @property
    def queue_list(self) -> tuple[str, ...]:
        return self.split(self.queues)

    @property
    def wrapup_code_list(self) -> tuple[str, ...]:
        return self.split(self.wrapup_codes)

    @property
    def pause_reason_list(self) -> tuple[str, ...]:
        return self.split(self.pause_reasons)

    def resolved_drafts_dir(self) -> Path:
        return Path(self.drafts_dir) if self.drafts_dir else user_data_dir() / "drafts"


@dataclass(frozen=True)
class ReportsSettings:
    """The supervisors' statistics: the service-level rule and where Asterisk's queue_log is."""

    # The city's charter promises an answer within 30 s; the industry's 80/20 convention would be
    # service_level_seconds = 20 with service_level_target_percent = 80.
    service_level_seconds: int = 30
    service_level_target_percent: float = 80.0
    # Callers who hang up within this many seconds of joining a queue are "short abandons":
    # counted apart and left out of the service level (no agent could have answered them).
    short_abandon_seconds: int = 5
    # Empty: <pbx runtime dir>/var/log/queue_log (the local Asterisk's).
    queue_log_path: str = ""

    def resolved_queue_log_path(self, pbx: PbxSettings) -> Path:
        if self.queue_log_path:
            return Path(self.queue_log_path)
        return pbx.resolved_runtime_dir() / "var" / "log" / "queue_log"


@dataclass(frozen=True)
class InboxSettings:
    """The focal points' inbox."""

    # A resolved request the citizen neither confirms nor disputes closes after this many
    # calendar days (``central156 inbox close-expired``, run daily).
    auto_close_days: int = 7


@dataclass(frozen=True)
class WallboardSettings:
    """The supervisors' live queue board (desktop, supervisor and admin roles)."""

    # AMI user of the wallboard (manager.conf ``c156-supervisor``); an empty secret means the
    # local PBX's generated one.
    ami_user: str = "c156-supervisor"
    ami_secret: str = ""
    # The city's target comes from [reports] service_level_seconds; this second figure is the
    # industry's 80/20 convention shown beside it (0 hides it).
    convention_service_level_seconds: int = 20
    # Tiles and queue figures turn yellow, then red, past these many seconds.
    wait_warn_seconds: int = 20
    wait_alert_seconds: int = 30
    talk_warn_seconds: int = 300
    talk_alert_seconds: int = 600
    pause_warn_seconds: int = 600
    pause_alert_seconds: int = 1200
    wrapup_warn_seconds: int = 60
    wrapup_alert_seconds: int = 180
    # Every this many seconds the local queue_log ([reports] queue_log_path) is imported so that
    # "today" survives an Asterisk restart; 0 turns the import off (another machine does it).
    import_interval_seconds: float = 15.0
    # How often the board redraws its clocks (milliseconds).
    refresh_ms: int = 1000


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    catalogue: CatalogueSettings = field(default_factory=CatalogueSettings)
    pbx: PbxSettings = field(default_factory=PbxSettings)
    ivr: IvrSettings = field(default_factory=IvrSettings)
    reports: ReportsSettings = field(default_factory=ReportsSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    desktop: DesktopSettings = field(default_factory=DesktopSettings)
    wallboard: WallboardSettings = field(default_factory=WallboardSettings)


T = TypeVar("T")


def config_file_path() -> Path:
    override = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "central156.toml"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings: defaults < file < environment."""
    env = os.environ if environ is None else environ
    file_path = path or config_file_path()
    from_file: dict[str, Any] = {}
    if file_path.is_file():
        with file_path.open("rb") as fh:
            from_file = tomllib.load(fh)
    settings = Settings()
    for section in fields(Settings):
        current = getattr(settings, section.name)
        updated = _apply_file(current, from_file.get(section.name, {}), file_path, section.name)
        updated = _apply_env(updated, env, section.name)
        settings = replace(settings, **{section.name: updated})
    if f"{ENV_PREFIX}DATABASE_URL" in env:
        settings = replace(
            settings, database=replace(settings.database, url=env[f"{ENV_PREFIX}DATABASE_URL"])
        )
    return settings


def _apply_file(section: T, values: Mapping[str, Any], path: Path, name: str) -> T:
    assert is_dataclass(section)
    known = {f.name: f for f in fields(section)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{path}: unknown setting(s) in [{name}]: {', '.join(sorted(unknown))}")
    converted = {
        key: _convert(known[key].type, value, f"[{name}] {key}") for key, value in values.items()
    }
    return replace(section, **converted)  # type: ignore[type-var]


def _apply_env(section: T, env: Mapping[str, str], name: str) -> T:
    assert is_dataclass(section)
    changes: dict[str, Any] = {}
    for f in fields(section):
        key = f"{ENV_PREFIX}{name.upper()}_{f.name.upper()}"
        if key in env:
            changes[f.name] = _convert(f.type, env[key], key)
    return replace(section, **changes) if changes else section  # type: ignore[type-var]


def _convert(kind: Any, value: Any, where: str) -> Any:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind_name == "bool":
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in {"1", "true", "yes", "on"}
        if kind_name == "int":
            return int(value)
        if kind_name == "float":
            return float(value)
        if isinstance(value, list):
            # A TOML list for a list-valued setting ([desktop] wrapup_codes = [...]).
            return "|".join(str(item) for item in value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {where}: expected {kind_name}, got {value!r}") from exc
