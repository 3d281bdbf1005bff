"""Render ``dialplans/`` into a runtime folder Asterisk can boot from.

Templates use ``@@NAME@@`` for values from the configuration (ports, paths, addresses) and
``@@secret:NAME@@`` for secrets generated once per runtime folder and kept in ``secrets.json``
(mode 0600). ``@@`` never occurs in Asterisk's own syntax (``${VAR}``, ``$[expr]``), so the
templates stay valid-looking Asterisk files. An unknown name is an error, never an empty value.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from citizen_center.config import IvrSettings, PbxSettings, StreamingSettings
from pbx import audio
from pbx.prompts import DIALPLAN_PROMPT_PREFIX, DIALPLAN_PROMPTS, LANGUAGE_DIR
from pbx.provision import AsteriskInstall

PLACEHOLDER = re.compile(r"@@(?:(secret):)?([A-Za-z0-9_.-]+)@@")
DIALPLANS_DIR = Path(__file__).resolve().parents[1] / "dialplans"
NOT_TEMPLATES = {"README.md"}
# The agent gateway's AMI account: a manager.conf section, its secret ``ami-<name>`` in the store.
GATEWAY_AMI_USER = "c156-gateway"


class TemplateError(ValueError):
    """A template names a value nobody provides, or a value would break the file."""


@dataclass(frozen=True)
class RuntimeLayout:
    """Where one Asterisk instance keeps its configuration, state, logs and sounds."""

    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def sounds(self) -> Path:
        return self.root / "sounds"

    @property
    def moh(self) -> Path:
        return self.root / "moh"

    @property
    def log_dir(self) -> Path:
        return self.var / "log"

    @property
    def config_file(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def pid_file(self) -> Path:
        return self.root / "asterisk.pid"

    @property
    def console_log(self) -> Path:
        return self.log_dir / "console.log"

    @property
    def queue_log(self) -> Path:
        return self.log_dir / "queue_log"

    def make_folders(self) -> None:
        for folder in (self.etc, self.sounds, self.moh):
            folder.mkdir(parents=True, exist_ok=True)
        for sub in ("lib", "log", "run", "cache", "spool/outgoing", "spool/tmp", "spool/monitor"):
            (self.var / sub).mkdir(parents=True, exist_ok=True)


class SecretStore:
    """Secrets generated on first use and kept beside the runtime (never in the repository)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, name: str, nbytes: int = 18) -> str:
        """The secret called ``name``, made of ``nbytes`` random bytes when first asked for."""
        known = self._load()
        if name not in known:
            known[name] = secrets.token_urlsafe(nbytes)
            self._save(known)
        return known[name]

    def _load(self) -> dict[str, str]:
        if not self.path.is_file():
            return {}
        data = json.loads(self.path.read_text())
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, values: Mapping[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 from the start: the secret is never readable by others, even briefly.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(dict(values), out, indent=2, sort_keys=True)
        os.chmod(self.path, 0o600)


def effective_ami_secret(settings: PbxSettings) -> str:
    """The configured AMI secret, or the one generated for this runtime folder."""
    if settings.ami_secret:
        return settings.ami_secret
    store = SecretStore(RuntimeLayout(settings.resolved_runtime_dir()).secrets_file)
    return store.get(f"ami-{settings.ami_user}")


def agi_address(pbx: PbxSettings, ivr: IvrSettings) -> str:
    """``host:port`` of the IVR's FastAGI server as Asterisk must reach it."""
    return pbx.agi_address or f"{ivr.listen_host}:{ivr.listen_port}"


def template_values(
    pbx: PbxSettings, ivr: IvrSettings, install: AsteriskInstall, layout: RuntimeLayout
) -> dict[str, str]:
    return {
        "ETC_DIR": str(layout.etc),
        "VAR_DIR": str(layout.var),
        "MODULE_DIR": str(install.module_dir),
        "DATA_DIR": str(install.data_dir),
        "SOUNDS_DIR": str(layout.sounds),
        "MOH_DIR": str(layout.moh),
        "AMI_BIND": pbx.host,
        "AMI_PORT": str(pbx.ami_port),
        "AMI_USER": pbx.ami_user,
        "AMI_SECRET": effective_ami_secret(pbx),
        "SIP_BIND": pbx.host,
        "SIP_PORT": str(pbx.sip_port),
        "RTP_START": str(pbx.rtp_start),
        "RTP_END": str(pbx.rtp_end),
        "AGI_ADDRESS": agi_address(pbx, ivr),
        "AGI_BACKUP": f"agi://{pbx.agi_backup_address}" if pbx.agi_backup_address else "",
        "SERVICE_HOURS": pbx.service_hours,
        # Unset: no line at all (one Asterisk on the database, plain uniqueids).
        "SYSTEM_NAME_OPTION": f"systemname = {pbx.system_name}" if pbx.system_name else "",
    }


def render_text(
    template: str, values: Mapping[str, str], secret: Callable[[str], str], source: str = "?"
) -> str:
    """Fill the placeholders of one template."""
    missing: set[str] = set()

    def substitute(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "secret":
            return _checked(name, secret(name), source)
        if name not in values:
            missing.add(name)
            return match.group(0)
        return _checked(name, values[name], source)

    rendered = PLACEHOLDER.sub(substitute, template)
    if missing:
        raise TemplateError(f"{source}: no value for {', '.join(sorted(missing))}")
    return rendered


def _checked(name: str, value: str, source: str) -> str:
    # A newline or ';' in a value would inject configuration lines or cut the line as a comment.
    if any(ch in value for ch in "\r\n;"):
        raise TemplateError(f"{source}: value of {name} contains a newline or ';'")
    return value


def render_dialplans(
    layout: RuntimeLayout, values: Mapping[str, str], templates: Path = DIALPLANS_DIR
) -> list[Path]:
    """Render every template into ``layout.etc``; return the files written."""
    layout.make_folders()
    store = SecretStore(layout.secrets_file)
    written = []
    for template in sorted(templates.iterdir()):
        if not template.is_file() or template.name in NOT_TEMPLATES:
            continue
        target = layout.etc / template.name
        text = render_text(template.read_text(), values, store.get, template.name)
        target.write_text(text)
        # Rendered files hold secrets: readable by their owner only.
        target.chmod(0o600)
        written.append(target)
    return written


def aeap_conf(streaming: StreamingSettings) -> str:
    """``aeap.conf``: one client per streaming speech engine (``res_speech_aeap`` registers a
    speech engine by each client's name). slin only: ``SPEECH RECOGNIZE`` sends the engine
    signed linear audio whatever codec is agreed."""
    lines = ["; Central 156 - aeap.conf: the streaming speech engines ([streaming] engine_urls)"]
    for name, url in zip(streaming.engine_names(), streaming.engine_urls, strict=True):
        _checked(name, url, "aeap.conf")
        lines += ["", f"[{name}]", "type=client", f"url={url}", "codecs=!all,slin"]
        lines += ["protocol=speech_to_text"]
    return "\n".join(lines) + "\n"


def write_aeap_conf(layout: RuntimeLayout, streaming: StreamingSettings) -> Path:
    target = layout.etc / "aeap.conf"
    target.write_text(aeap_conf(streaming))
    return target


def ensure_sounds(layout: RuntimeLayout, rendered_prompts: Path | None = None) -> None:
    """The dialplan's prompts and the hold tone, once per runtime folder: copied from the
    rendered prompts (``central156 prompts build``, natural voice when online) when there,
    else spoken by espeak-ng now."""
    layout.make_folders()
    for name, text in DIALPLAN_PROMPTS.items():
        target = layout.sounds / f"{name}.wav"
        if target.is_file():
            continue
        rendered = (
            rendered_prompts / f"{DIALPLAN_PROMPT_PREFIX}{name}.wav" if rendered_prompts else None
        )
        if rendered is not None and rendered.is_file():
            shutil.copyfile(rendered, target)
        else:
            audio.synthesize(text, target, trail_silence=0.3)
    if not any(layout.moh.glob("*.wav")):
        audio.hold_tone(layout.moh / "tone.wav")


def prepare_runtime(
    pbx: PbxSettings,
    ivr: IvrSettings,
    install: AsteriskInstall,
    templates: Path = DIALPLANS_DIR,
    streaming: StreamingSettings | None = None,
) -> RuntimeLayout:
    """Everything Asterisk needs in the runtime folder: folders, configuration, sounds."""
    layout = RuntimeLayout(pbx.resolved_runtime_dir())
    render_dialplans(layout, template_values(pbx, ivr, install, layout), templates)
    write_aeap_conf(layout, streaming or StreamingSettings())
    ensure_sounds(layout, ivr.resolved_audio_dir() / LANGUAGE_DIR)
    return layout
