"""Configuration: defaults, then a TOML file, then the environment (highest wins).

The settings are typed models (pydantic-settings): one frozen section per TOML table, each value
checked against its type (booleans, whole numbers, numbers, paths, lists, fixed choices).

- The file is ``$CENTRAL156_CONFIG`` or ``<user config dir>/central156.toml``. The default file
  may be missing (then the defaults apply); a ``CENTRAL156_CONFIG`` naming a missing file is an
  error, so that a typo in a service unit does not silently run production on the defaults.
- Every setting can be overridden from the environment as ``CENTRAL156_<SECTION>_<KEY>`` (for
  example ``CENTRAL156_PBX_AMI_PORT=5039``); the database URL is ``CENTRAL156_DATABASE_URL``.
  Other ``CENTRAL156_*`` variables (``CENTRAL156_DATA_DIR``, ``CENTRAL156_CACHE_DIR``,
  ``CENTRAL156_DESKTOP_PASSWORD``...) are not settings and are left alone.
- A list (``[desktop] queues``, ``wrapup_codes``, ``pause_reasons``) is a TOML array; a string
  ``"a|b"`` is accepted too, in the file and in the environment, where a JSON array
  (``'["a", "b"]'``) also works.
- An empty path setting means its default (see each ``resolved_*`` method).

Every problem raises :class:`~citizen_center.errors.ConfigError` with one line naming the file or
variable, the key and what is wrong: a value of the wrong type (``echo = "maybe"``), a TOML syntax
error, a ``CENTRAL156_CONFIG`` that names no file, and an unknown section or key in the file. An
unknown key is an error rather than a warning because a misspelt key (``ami_prot``) would
otherwise leave the default in force unnoticed. Unknown ``CENTRAL156_*`` environment variables
are not errors, since other parts of the line use that prefix for things that are not settings.

Secrets (AMI passwords, database URLs with passwords) belong in the file or the environment,
never in the repository; error messages do not repeat their values.

``Settings()`` and the section classes built directly hold the defaults and what they are given
(tests, tools); only :func:`load_settings` reads the file and the environment.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import platformdirs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from citizen_center.errors import ConfigError

ENV_PREFIX = "CENTRAL156_"
CONFIG_ENV = f"{ENV_PREFIX}CONFIG"
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


def _text_list(value: object) -> object:
    """A list setting: a list as is; a JSON array or ``a|b`` string split into its items."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"is not a JSON list ({exc.msg})") from None
        else:
            value = text.split("|")
    if isinstance(value, list | tuple):
        return tuple(
            item.strip() if isinstance(item, str) else item
            for item in value
            if not (isinstance(item, str) and not item.strip())
        )
    return value


def _empty_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# ``NoDecode``: the environment source passes the raw string on; ``_text_list`` reads both forms.
TextList = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_text_list)]
# A folder or file; empty (or unset) means the setting's default location.
OptionalPath = Annotated[Path | None, BeforeValidator(_empty_is_none)]
Port = Annotated[int, Field(ge=1, le=65535)]


class Section(BaseModel):
    """A settings section: immutable, and unknown keys are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied and checked (the models' ``dataclasses.replace``)."""
        return type(self)(**{**dict(self), **changes})


class DatabaseSettings(Section):
    url: str = ""
    echo: bool = False

    def resolved_url(self) -> str:
        return self.url or default_database_url()


class CatalogueSettings(Section):
    # Used where the city publishes no deadline for a service type.
    default_deadline_days: int = 30
    # A ``citizen_center.domain.deadlines.DeadlineKind`` value.
    default_deadline_kind: Literal["calendar", "business", "immediate"] = "calendar"
    timezone: str = "America/Sao_Paulo"
    # Local numbers without an area code belong to Porto Alegre.
    default_area_code: str = "51"


class PbxSettings(Section):
    """Where the PBX is and how to reach it (the local one or a production box)."""

    host: str = "127.0.0.1"
    ami_port: Port = 5038
    ami_user: str = "central156"
    ami_secret: str = ""
    sip_port: Port = 5060
    rtp_start: Port = 10000
    rtp_end: Port = 10999
    # Empty: <user data dir>/pbx.
    runtime_dir: OptionalPath = None
    # Where Asterisk reaches the IVR's FastAGI server, "host:port"; empty means the [ivr] listen
    # address (the usual case: both on one machine).
    agi_address: str = ""
    # A second IVR server, "host:port", that takes a call over when the first fails
    # (unreachable, or dead mid-call: the caller hears the question again, never loses the
    # call). Empty: none (a failed IVR sends the caller to the general queue).
    agi_backup_address: str = ""
    # Asterisk's ``systemname``: prefixes every call's uniqueid ("poa-a-1796178936.3"). Give each
    # Asterisk that shares one database a name of its own: two Asterisks number their channels
    # alike (the second and a counter), so the same uniqueid would name two calls. Empty: one
    # Asterisk, plain uniqueids.
    system_name: str = Field(default="", max_length=20, pattern=r"^([A-Za-z0-9][A-Za-z0-9-]*)?$")
    # When the line takes calls, in Asterisk's GotoIfTime form "times,weekdays,monthdays,months".
    service_hours: str = "00:00-23:59,*,*,*"
    # Where a machine without its own Asterisk gets Debian's package (see pbx/provision.py).
    debian_mirror: str = "http://deb.debian.org/debian"
    debian_suite: str = "sid"

    def resolved_runtime_dir(self) -> Path:
        return self.runtime_dir or user_data_dir() / "pbx"


def source_checkout_dir() -> Path | None:
    """The repository root when running from a source checkout (editable install), else None."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "setup.cfg").is_file() and (root / ".git").exists() else None


class IvrSettings(Section):
    """The IVR's settings.

    ``models_dir`` and ``audio_dir``, when empty, follow one rule: in a source checkout (the package
    runs from a git working tree, as with ``pip install -e .``) they are the checkout's top-level
    ``models/`` and ``audio/`` folders; otherwise (an installed package) ``<user data dir>/models``
    and ``<user data dir>/audio``. Rendered prompts go to ``<audio dir>/pt_BR/``.
    """

    listen_host: str = "127.0.0.1"
    listen_port: Port = 4573
    # "auto" picks the best Portuguese model installed; "vosk" or "whisper" only that engine's.
    speech_engine: Literal["auto", "vosk", "whisper"] = "auto"
    models_dir: OptionalPath = None
    audio_dir: OptionalPath = None
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
    tts_engine: Literal["auto", "gtts", "espeak"] = "auto"
    tts_timeout_seconds: float = 10.0
    # A caller's spoken answer: at most this long, and over after this much silence.
    record_max_ms: int = 10000
    record_silence_s: int = 2
    # Longest a caller waits for the recogniser when many speak at once; past it, the key menu.
    recognition_wait_s: float = 4.0
    # Where the caller's answers are recorded. Asterisk writes there and the IVR reads, so with
    # several machines it is a shared folder mounted at the same path on all of them.
    # Empty: <user data dir>/recordings.
    recordings_dir: OptionalPath = None
    # Where the IVR journals what it could not write to the database (calls, steps, surveys),
    # replaying it every ``journal_replay_s`` once the database is back. A local disk of the
    # IVR's machine: it must survive a restart. Empty: <user data dir>/ivr-journal.
    journal_dir: OptionalPath = None
    journal_replay_s: float = 5.0
    # A call still without an outcome this long after it started was lost by a dead IVR (the
    # menu notes an outcome before any hand-off); the IVR service closes it as ``ivr_lost``. A
    # queued call answered this long ago and never ended (the IVR died in the survey) is closed
    # as ``answered``: keep it above the longest conversation with an agent.
    lost_call_after_s: float = 3600.0

    # Calls the FastAGI server serves at once (one worker thread each). A connection beyond it is
    # closed at once, so Asterisk takes the failure path (apology, general queue) instead of
    # waiting; one log line per burst says so. Size it above the trunk's channels.
    max_calls: int = Field(default=500, ge=1)
    # Seconds Asterisk has to send the whole AGI environment after connecting; a connection that
    # sends nothing (a scan, a stuck peer) frees its worker after this instead of the idle limit.
    agi_env_timeout_seconds: float = Field(default=5.0, gt=0)
    # Longest silence on a call's socket (no reply from Asterisk) before the call is given up.
    agi_idle_timeout_seconds: float = Field(default=900.0, gt=0)

    def resolved_journal_dir(self) -> Path:
        return self.journal_dir or user_data_dir() / "ivr-journal"

    def resolved_models_dir(self) -> Path:
        return self._resolved_dir(self.models_dir, "models")

    def resolved_audio_dir(self) -> Path:
        return self._resolved_dir(self.audio_dir, "audio")

    def resolved_recordings_dir(self) -> Path:
        return self.recordings_dir or user_data_dir() / "recordings"

    @staticmethod
    def _resolved_dir(configured: Path | None, name: str) -> Path:
        if configured:
            return configured
        checkout = source_checkout_dir()
        return checkout / name if checkout else user_data_dir() / name


class StreamingSettings(Section):
    """Streaming speech turns (``ivr.streaming``): the IVR's listen step streams the caller's
    audio from Asterisk (``res_speech_aeap``) to a speech engine that ends the turn on the
    caller's silence, instead of recording a file that ends after whole seconds of silence.

    ``engine_urls`` are the engines Asterisk connects to (WebSocket, AEAP); each becomes an
    ``aeap.conf`` client named ``c156-speech-<n>`` (1-based), and the IVR picks one per call,
    the next when one is down. Empty (the default until an engine is deployed, e.g.
    ``["ws://127.0.0.1:9099"]`` for ``central156 speech serve`` beside Asterisk): streaming off,
    the IVR records answers as before.
    """

    engine_urls: TextList = ()
    # Where ``central156 speech serve`` listens (the engine's own side of ``engine_urls``).
    listen_host: str = "127.0.0.1"
    listen_port: Port = 9099
    # End of the caller's turn: this much silence after speech (the "about 600 ms"),
    # for the closed questions (yes/no, the survey's score), whose answers are a word or two.
    trailing_silence_ms: int = Field(default=600, ge=100, le=5000)
    # The same for the open question and protocol numbers: callers describing a problem or
    # reading a number pause between its parts; on the evaluation set's dev part 17 % of the
    # answers hold a pause of 600-800 ms (none of 1 s), which 600 ms would cut in two.
    long_answer_trailing_silence_ms: int = Field(default=800, ge=100, le=5000)
    # Recognition starts after this much silence, before the trailing silence is over (the
    # caller's pause may be the end: the answer is then ready sooner); wasted if they go on.
    # Only when a decoder is idle, so it never delays another caller's turn; never before the
    # utterance's kept tail (200 ms) is in, so it decodes the very audio the turn ends with.
    # 0: off.
    early_decode_after_ms: int = Field(default=200, ge=0, le=5000)
    # No speech this long after the prompt ended: the no-input answer.
    no_input_ms: int = Field(default=5000, ge=500)
    # A turn longer than this is cut and recognised as it is.
    max_utterance_ms: int = Field(default=10000, ge=1000)
    # Voice activity (Silero VAD) thresholds: speech starts when the speech probability reaches
    # ``vad_threshold`` and stays above ``vad_release`` for ``min_speech_ms``; shorter bursts
    # (a cough, a click on the line) are not the caller's answer and do not stop the prompt.
    vad_threshold: float = Field(default=0.5, gt=0, lt=1)
    vad_release: float = Field(default=0.35, gt=0, lt=1)
    min_speech_ms: int = Field(default=300, ge=0)
    # A turn recognised while no other is: one decode on ``alone_threads`` cores (the lowest
    # latency for a lone caller). 0: no lone decoder, every turn on the parallel decoders.
    alone_threads: int = Field(default=2, ge=0)
    # Under load, turns go to ``decoders`` decoders running at once (``decoder_threads`` cores
    # each: one-core decoders side by side carry more answers per second than one decoder with
    # every core); more turns wait in line for at most ``[ivr] recognition_wait_s``, then get
    # "busy" (the IVR offers keys).
    decoders: int = Field(default=2, ge=1)
    decoder_threads: int = Field(default=1, ge=1)
    # A free decoder takes up to this many waiting turns at once (Whisper encodes and searches
    # a batch in one pass: more answers per second, each a little later). 1: one by one.
    batch_size: int = Field(default=4, ge=1, le=32)

    def engine_names(self) -> tuple[str, ...]:
        """The ``aeap.conf`` client names Asterisk knows the engines by, in order."""
        return tuple(f"c156-speech-{n}" for n in range(1, len(self.engine_urls) + 1))


DEFAULT_QUEUES = (
    "agua-esgoto",
    "limpeza-urbana",
    "servicos-urbanos",
    "transito-transporte",
    "geral",
)
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


class DesktopSettings(Section):
    """The agent desktop. Lists are TOML arrays, or ``|``-separated strings (see the module)."""

    # No PBX credential here: desktops reach the PBX only through the agent gateway ([gateway]).
    # Queues an agent joins at login; empty means every queue of the line.
    queues: TextList = DEFAULT_QUEUES
    wrapup_codes: TextList = DEFAULT_WRAPUP_CODES
    pause_reasons: TextList = DEFAULT_PAUSE_REASONS
    # "pause": an automatic pause with ``wrapup_pause_reason`` from the end of the call until the
    # wrap-up is saved; "queue": rely on the queue's own wrapuptime only.
    wrapup_mode: Literal["pause", "queue"] = "pause"
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
    drafts_dir: OptionalPath = None
    # UI language: a Qt locale name; "en" shows the untranslated (English) texts.
    language: str = "pt_BR"

    def resolved_drafts_dir(self) -> Path:
        return self.drafts_dir or user_data_dir() / "drafts"


class ReportsSettings(Section):
    """The supervisors' statistics: the service-level rule and where Asterisk's queue_log is."""

    # The city's charter promises an answer within 30 s; the industry's 80/20 convention would be
    # service_level_seconds = 20 with service_level_target_percent = 80.
    service_level_seconds: int = 30
    service_level_target_percent: float = 80.0
    # Callers who hang up within this many seconds of joining a queue are "short abandons":
    # counted apart and left out of the service level (no agent could have answered them).
    short_abandon_seconds: int = 5
    # Empty: <pbx runtime dir>/var/log/queue_log (the local Asterisk's).
    queue_log_path: OptionalPath = None

    def resolved_queue_log_path(self, pbx: PbxSettings) -> Path:
        if self.queue_log_path:
            return self.queue_log_path
        return pbx.resolved_runtime_dir() / "var" / "log" / "queue_log"


class InboxSettings(Section):
    """The focal points' inbox."""

    # A resolved request the citizen neither confirms nor disputes closes after this many
    # calendar days (``central156 inbox close-expired``, run daily).
    auto_close_days: int = 7


class WallboardSettings(Section):
    """The supervisors' live queue board (desktop, supervisor and admin roles)."""

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


class GatewaySettings(Section):
    """The agent gateway: one service between the desktops and the PBX (AMI) and database."""

    # Where the gateway listens.
    host: str = "127.0.0.1"
    port: Port = 8156
    # What the desktops connect to; empty: http(s)://host:port (https when a certificate is set).
    url: str = ""
    # TLS on the gateway (certificate and key) and on the desktops (the CA they trust).
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_ca_file: str = ""
    # Signs the desktops' session tokens; empty: taken from the PBX secret store by the gateway.
    token_secret: str = ""
    token_hours: float = 12.0
    # The gateway's AMI account is manager.conf's ``c156-gateway``, its secret generated in the PBX
    # host's secret store: the gateway runs on the PBX host, and nothing else needs it.
    # Failed logins before an account is locked, and for how long.
    max_failed_logins: int = 5
    lockout_minutes: float = 15.0
    # Keep-alive towards the desktops (seconds).
    ping_interval: float = 20.0

    def resolved_url(self) -> str:
        if self.url:
            return self.url
        scheme = "https" if self.tls_cert_file else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


class WebSettings(Section):
    """The citizens' web server: the Open311 API (``/open311/v2/``) and the citizen web page."""

    # Where it listens; behind the city's reverse proxy in production.
    host: str = "127.0.0.1"
    port: Port = 8311
    # Server processes (uvicorn workers). One process runs Python on one core at a time; more
    # use more cores (bench/web.py). Each keeps its own rate-limit counters (see web/ratelimit).
    workers: int = Field(default=1, ge=1, le=32)
    # Requests each worker runs at once in its thread pool (the database work is synchronous).
    # More let one process's requests fight for its interpreter lock while each waits on a
    # round trip; fewer leave the core idle during them (bench/web.py).
    threads: int = Field(default=4, ge=1, le=200)
    # The address citizens reach it at (links, the demo's banner); empty: http://host:port.
    public_url: str = ""
    # Signs the page's anti-forgery (CSRF) tokens; empty: generated once in the data folder.
    secret_key: str = ""
    # Abuse limits, in the ``limits`` library's notation ("10/minute").
    post_rate_per_ip: str = "10/minute"
    post_rate_per_key: str = "600/minute"
    get_rate_per_ip: str = "300/minute"
    # Photos on the page: how many per request, the largest upload, the side they are shrunk to.
    max_photos: int = Field(default=3, ge=0, le=10)
    max_photo_mb: float = Field(default=10.0, gt=0)
    photo_max_side: int = Field(default=1600, ge=200)
    # The largest Open311 request body (a form of text fields; media come as media_url).
    api_max_body_kb: int = Field(default=64, ge=1)
    # Seconds each server process keeps its one snapshot of the service catalogue (the Open311
    # API and the page's forms): a change in the catalogue shows within that time; 0 reads it
    # on every use.
    catalogue_cache_s: float = Field(default=10.0, ge=0, le=3600)

    def resolved_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class Settings(BaseSettings):
    """Every section. Built directly it holds the defaults; :func:`load_settings` reads the rest."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_prefix=ENV_PREFIX,
        # CENTRAL156_PBX_AMI_PORT: the section, then the key (split once: keys contain "_").
        env_nested_delimiter="_",
        env_nested_max_split=1,
    )

    database: DatabaseSettings = DatabaseSettings()
    catalogue: CatalogueSettings = CatalogueSettings()
    pbx: PbxSettings = PbxSettings()
    ivr: IvrSettings = IvrSettings()
    streaming: StreamingSettings = StreamingSettings()
    reports: ReportsSettings = ReportsSettings()
    inbox: InboxSettings = InboxSettings()
    desktop: DesktopSettings = DesktopSettings()
    wallboard: WallboardSettings = WallboardSettings()
    gateway: GatewaySettings = GatewaySettings()
    web: WebSettings = WebSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the constructor is given; load_settings() passes its own sources.
        return (init_settings,)

    def replace(self, **changes: Any) -> Self:
        """A copy with whole sections replaced (``settings.replace(desktop=...)``)."""
        return type(self)(**{**dict(self), **changes})


def setting_env_names() -> dict[str, tuple[str, str]]:
    """Every setting's environment variable → (section, key)."""
    return {
        f"{ENV_PREFIX}{section.upper()}_{key.upper()}": (section, key)
        for section, info in Settings.model_fields.items()
        for key in _section_fields(info.annotation)
    }


def _section_fields(annotation: Any) -> dict[str, Any]:
    assert isinstance(annotation, type) and issubclass(annotation, Section)
    return dict(annotation.model_fields)


class _EnvironSource(EnvSettingsSource):
    """The environment source over a given mapping, keeping only variables that are settings."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        known = setting_env_names()
        self.settings_vars = {name: value for name, value in environ.items() if name in known}
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The library looks names up in lower case (case_sensitive is off); only the documented
        # upper-case names got this far.
        return {name.lower(): value for name, value in self.settings_vars.items()}


def config_file_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "central156.toml"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings: defaults < file < environment.

    ``path`` replaces the file's usual location and, like the default file, may be missing;
    ``environ`` replaces ``os.environ`` (including its ``CENTRAL156_CONFIG``). Raises
    :class:`ConfigError` on any problem (see the module).
    """
    env = os.environ if environ is None else environ
    file_path = path or config_file_path(env)
    if path is None and env.get(CONFIG_ENV) and not file_path.is_file():
        problem = "does not exist" if not file_path.exists() else "is not a file"
        raise ConfigError(f"configuration: {CONFIG_ENV}: {str(file_path)!r} {problem}")
    environ_source = _EnvironSource(env)
    try:
        file_source = TomlConfigSettingsSource(Settings, toml_file=file_path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration: {file_path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"configuration: {file_path}: cannot be read: {exc.strerror}") from None
    try:
        # BaseSettings.__init__ takes prepared sources; mypy only sees the fields' signature.
        return Settings(_build_sources=((environ_source, file_source), {}))  # type: ignore[call-arg]
    except ValidationError as exc:
        errors = exc.errors()
        where = _Origin(file_path, set(environ_source.settings_vars))
        message = _describe(errors[0], where)
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more)"
        raise ConfigError(message) from None


class _Origin:
    """Tells where a failing value came from: the environment variable or the file's key."""

    def __init__(self, file_path: Path, env_names: set[str]) -> None:
        self.file_path = file_path
        self.env_names = {name.upper() for name in env_names}

    def name(self, loc: tuple[int | str, ...]) -> str:
        section = str(loc[0])
        if len(loc) == 1:
            return f"{self.file_path}: [{section}]"
        key = str(loc[1])
        env_name = f"{ENV_PREFIX}{section}_{key}".upper()
        if env_name in self.env_names:
            return env_name
        return f"{self.file_path}: [{section}] {key}"


_PROBLEMS = {
    "int_parsing": "is not a whole number",
    "int_type": "is not a whole number",
    "int_from_float": "is not a whole number",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "bool_parsing": "is not a boolean (true or false)",
    "bool_type": "is not a boolean (true or false)",
    "string_type": "is not text (quote it)",
    "path_type": "is not a path",
    "tuple_type": "is not a list",
    "model_type": "is not a table",
}
_SECRET_HINTS = ("secret", "password", "url")


def _describe(error: ErrorDetails, origin: _Origin) -> str:
    loc = error["loc"]
    where = origin.name(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return f"configuration: {where}: unknown section{_suggest(str(loc[0]), None)}"
        return f"configuration: {where}: unknown setting{_suggest(str(loc[1]), str(loc[0]))}"
    if kind in _PROBLEMS:
        problem = _PROBLEMS[kind]
    elif kind == "literal_error":
        problem = f"is not {error.get('ctx', {}).get('expected', 'allowed')}"
    elif kind == "value_error":
        problem = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        problem = error["msg"].removeprefix("Input ")
        problem = problem[:1].lower() + problem[1:]
    key = str(loc[1]) if len(loc) > 1 else ""
    shown = "(hidden)" if any(hint in key for hint in _SECRET_HINTS) else repr(error["input"])
    # Multi-line TOML strings would break the one-line rule.
    shown = shown.replace("\n", " ")
    return f"configuration: {where}: {shown} {problem}"


def _suggest(name: str, section: str | None) -> str:
    if section is None:
        choices = list(Settings.model_fields)
    else:
        info = Settings.model_fields.get(section)
        choices = list(_section_fields(info.annotation)) if info else []
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
