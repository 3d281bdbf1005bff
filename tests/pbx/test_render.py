"""Rendering of dialplans/ templates (no Asterisk needed)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from citizen_center.config import IvrSettings, PbxSettings
from pbx.channel_vars import ChannelVar
from pbx.provision import AsteriskInstall
from pbx.render import (
    RuntimeLayout,
    SecretStore,
    TemplateError,
    agi_address,
    effective_ami_secret,
    render_dialplans,
    render_text,
    template_values,
)

CONTRACT_VARIABLES = (
    ChannelVar.CALL_ID,
    ChannelVar.INTENT,
    ChannelVar.SERVICE,
    ChannelVar.CITIZEN_ID,
    ChannelVar.TEXT,
    ChannelVar.CONFIDENCE,
    ChannelVar.PROTOCOL,
    ChannelVar.ROUTE,
)
QUEUES = ("agua-esgoto", "limpeza-urbana", "servicos-urbanos", "transito-transporte", "geral")


def no_secret(name: str) -> str:
    raise AssertionError(name)


def test_placeholders_are_filled_and_asterisk_syntax_is_left_alone() -> None:
    text = "port = @@AMI_PORT@@\nexten => s,1,NoOp(${CALLERID(num)} $[1 + 1])\n"
    assert render_text(text, {"AMI_PORT": "5038"}, no_secret) == (
        "port = 5038\nexten => s,1,NoOp(${CALLERID(num)} $[1 + 1])\n"
    )


def test_an_unknown_placeholder_is_an_error_not_an_empty_value() -> None:
    with pytest.raises(TemplateError, match="NOPE"):
        render_text("x = @@NOPE@@", {}, no_secret, "x.conf")


@pytest.mark.parametrize("bad", ["a\nb", "a;b"])
def test_a_value_cannot_inject_lines_or_comments(bad: str) -> None:
    with pytest.raises(TemplateError):
        render_text("x = @@V@@", {"V": bad}, no_secret)


def test_secrets_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    store = SecretStore(tmp_path / "secrets.json")
    first = render_text("s = @@secret:ami-x@@", {}, store.get)
    again = render_text("s = @@secret:ami-x@@", {}, SecretStore(tmp_path / "secrets.json").get)
    assert first == again and len(first) > 20
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600


def test_configured_ami_secret_wins_over_a_generated_one(tmp_path: Path) -> None:
    configured = PbxSettings(runtime_dir=tmp_path, ami_secret="from-config")
    generated = PbxSettings(runtime_dir=tmp_path)
    assert effective_ami_secret(configured) == "from-config"
    assert effective_ami_secret(generated) == effective_ami_secret(generated) != "from-config"


def test_agi_address_defaults_to_the_ivr_listen_address() -> None:
    ivr = IvrSettings(listen_host="10.0.0.5", listen_port=4600)
    assert agi_address(PbxSettings(), ivr) == "10.0.0.5:4600"
    assert agi_address(PbxSettings(agi_address="ivr.local:4573"), ivr) == "ivr.local:4573"


@pytest.fixture
def rendered(tmp_path: Path) -> RuntimeLayout:
    install = AsteriskInstall(("asterisk",), tmp_path / "mods", tmp_path / "data", "22", "system")
    pbx = PbxSettings(runtime_dir=tmp_path / "run", ami_port=6038, sip_port=6060)
    layout = RuntimeLayout(pbx.resolved_runtime_dir())
    render_dialplans(layout, template_values(pbx, IvrSettings(), install, layout))
    return layout


def test_the_shipped_dialplans_render_completely(rendered: RuntimeLayout) -> None:
    for conf in rendered.etc.iterdir():
        assert "@@" not in conf.read_text(), conf.name
        assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    asterisk_conf = (rendered.etc / "asterisk.conf").read_text()
    assert "\n[directories]\n" in asterisk_conf and "[directories](!)" not in asterisk_conf
    assert f"astetcdir => {rendered.etc}" in asterisk_conf


def test_manager_conf_publishes_the_ivr_variables(rendered: RuntimeLayout) -> None:
    manager = (rendered.etc / "manager.conf").read_text()
    channelvars = next(line for line in manager.splitlines() if line.startswith("channelvars"))
    assert all(name in channelvars for name in CONTRACT_VARIABLES)
    assert "port = 6038" in manager and "bindaddr = 127.0.0.1" in manager


def test_every_queue_exists_and_has_a_route(rendered: RuntimeLayout) -> None:
    queues = (rendered.etc / "queues.conf").read_text()
    extensions = (rendered.etc / "extensions.conf").read_text()
    assert "servicelevel = 30" in queues
    for queue in QUEUES:
        assert f"\n[{queue}](" in queues
        assert f"exten => {queue},1," in extensions


def test_modules_load_res_speech_before_res_agi(rendered: RuntimeLayout) -> None:
    modules = (rendered.etc / "modules.conf").read_text()
    assert "autoload = no" in modules
    assert modules.index("res_speech.so") < modules.index("res_agi.so")
