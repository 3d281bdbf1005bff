from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from citizen_center.cli import main
from citizen_center.config import (
    DEFAULT_PAUSE_REASONS,
    DesktopSettings,
    GatewaySettings,
    PbxSettings,
    Settings,
    load_settings,
)
from citizen_center.errors import CitizenCenterError, ConfigError


def test_defaults_file_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "central156.toml"
    config.write_text('[database]\nurl = "sqlite:////srv/c156.sqlite3"\n[pbx]\nami_port = 6038\n')
    settings = load_settings(
        config, environ={"CENTRAL156_PBX_AMI_PORT": "7038", "CENTRAL156_DATA_DIR": str(tmp_path)}
    )
    assert settings.database.resolved_url() == "sqlite:////srv/c156.sqlite3"
    assert settings.pbx.ami_port == 7038
    assert settings.catalogue.default_deadline_days == 30

    from_env = load_settings(config, environ={"CENTRAL156_DATABASE_URL": "postgresql://db/c156"})
    assert from_env.database.url == "postgresql://db/c156"


def test_default_database_is_sqlite_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRAL156_DATA_DIR", str(tmp_path))
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert settings.database.resolved_url() == f"sqlite:///{tmp_path / 'central156.sqlite3'}"


def test_values_have_their_real_types(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        "[database]\necho = true\n"
        '[pbx]\nruntime_dir = "/srv/pbx"\n'
        "[ivr]\nintent_accept_confidence = 0.95\n"
        "[desktop]\npause_on_missed_ring = false\n"
    )
    settings = load_settings(
        config,
        environ={
            "CENTRAL156_IVR_LISTEN_PORT": "4600",
            "CENTRAL156_IVR_RECORDINGS_DIR": "/mnt/recordings",
            "CENTRAL156_WALLBOARD_IMPORT_INTERVAL_SECONDS": "2.5",
            "CENTRAL156_DESKTOP_PAUSE_ON_MISSED_RING": "yes",
        },
    )
    assert settings.database.echo is True
    assert settings.pbx.runtime_dir == Path("/srv/pbx")
    assert settings.pbx.resolved_runtime_dir() == Path("/srv/pbx")
    assert settings.ivr.intent_accept_confidence == 0.95
    assert settings.ivr.listen_port == 4600
    assert settings.ivr.resolved_recordings_dir() == Path("/mnt/recordings")
    assert settings.wallboard.import_interval_seconds == 2.5
    assert settings.desktop.pause_on_missed_ring is True  # the environment wins
    assert settings.desktop.pause_reasons == DEFAULT_PAUSE_REASONS


def test_an_empty_path_means_the_default_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRAL156_DATA_DIR", str(tmp_path))
    config = tmp_path / "c.toml"
    config.write_text('[desktop]\ndrafts_dir = ""\n')
    settings = load_settings(config, environ={"CENTRAL156_PBX_RUNTIME_DIR": ""})
    assert settings.desktop.drafts_dir is None
    assert settings.desktop.resolved_drafts_dir() == tmp_path / "drafts"
    assert settings.pbx.resolved_runtime_dir() == tmp_path / "pbx"


def test_lists_as_arrays_or_bar_separated_strings(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[desktop]\nqueues = ["geral", "agua-esgoto"]\nwrapup_codes = "Atendida | Caiu|"\n'
    )
    settings = load_settings(config, environ={})
    assert settings.desktop.queues == ("geral", "agua-esgoto")
    assert settings.desktop.wrapup_codes == ("Atendida", "Caiu")

    from_env = load_settings(
        config,
        environ={
            "CENTRAL156_DESKTOP_QUEUES": "limpeza-urbana|geral",
            "CENTRAL156_DESKTOP_PAUSE_REASONS": '["Almoço", "Lanche"]',
        },
    )
    assert from_env.desktop.queues == ("limpeza-urbana", "geral")
    assert from_env.desktop.pause_reasons == ("Almoço", "Lanche")
    # Empty: every queue of the line.
    assert load_settings(config, environ={"CENTRAL156_DESKTOP_QUEUES": ""}).desktop.queues == ()
    # Code may still pass the old string form; it is read the same way.
    assert DesktopSettings(queues="a|b").queues == ("a", "b")  # type: ignore[arg-type]


def test_sections_are_immutable_and_replace_checks_values() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.pbx.ami_port = 1
    changed = settings.replace(pbx=settings.pbx.replace(ami_port=6038))
    assert changed.pbx.ami_port == 6038 and settings.pbx.ami_port == 5038
    with pytest.raises(ValidationError):
        PbxSettings().replace(ami_port="abc")


def test_settings_built_directly_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTRAL156_PBX_AMI_PORT", "7038")
    assert Settings().pbx.ami_port == 5038


def test_the_gateway_section() -> None:
    gateway = load_settings(Path("/nonexistent/c.toml"), environ={}).gateway
    assert gateway == GatewaySettings()
    assert (gateway.host, gateway.port, gateway.token_hours) == ("127.0.0.1", 8156, 12.0)
    assert gateway.max_failed_logins == 5
    assert gateway.resolved_url() == "http://127.0.0.1:8156"
    assert (
        GatewaySettings(host="::1", tls_cert_file="/c.pem").resolved_url() == "https://[::1]:8156"
    )
    configured = load_settings(
        Path("/nonexistent/c.toml"),
        environ={
            "CENTRAL156_GATEWAY_URL": "https://gw.156.local",
            "CENTRAL156_GATEWAY_PORT": "9156",
        },
    ).gateway
    assert configured.resolved_url() == "https://gw.156.local" and configured.port == 9156


def _error(path: Path | None, environ: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ=environ)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("configuration: ")
    assert isinstance(caught.value, CitizenCenterError)
    return message


def test_wrong_values_are_one_line_errors(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    assert _error(none, {"CENTRAL156_PBX_AMI_PORT": "abc"}) == (
        "configuration: CENTRAL156_PBX_AMI_PORT: 'abc' is not a whole number"
    )
    assert "CENTRAL156_DATABASE_ECHO: 'maybe' is not a boolean" in _error(
        none, {"CENTRAL156_DATABASE_ECHO": "maybe"}
    )
    assert "CENTRAL156_DESKTOP_WRAPUP_MODE: 'paws'" in _error(
        none, {"CENTRAL156_DESKTOP_WRAPUP_MODE": "paws"}
    )
    assert "CENTRAL156_DESKTOP_QUEUES: '[geral' is not a JSON list" in _error(
        none, {"CENTRAL156_DESKTOP_QUEUES": "[geral"}
    )

    config = tmp_path / "c.toml"
    config.write_text('[database]\necho = "maybe"\n')
    assert _error(config, {}) == (
        f"configuration: {config}: [database] echo: 'maybe' is not a boolean (true or false)"
    )
    config.write_text("[pbx]\nami_secret = 1234\n")
    assert "(hidden)" in _error(config, {}) and "1234" not in _error(config, {})


def test_unknown_keys_and_sections_in_the_file_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[pbx]\nami_prot = 1\n")
    assert _error(config, {}) == (
        f"configuration: {config}: [pbx] ami_prot: unknown setting (did you mean 'ami_port'?)"
    )
    config.write_text("[pbxx]\nami_port = 1\n")
    assert f"{config}: [pbxx]: unknown section" in _error(config, {})
    # Other CENTRAL156_ variables are not settings.
    load_settings(tmp_path / "none.toml", environ={"CENTRAL156_DESKTOP_PASSWORD": "x"})


def test_a_toml_syntax_error_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[pbx\nami_port = 1\n")
    assert f"configuration: {config}: not valid TOML: " in _error(config, {})


def test_a_missing_file_named_by_central156_config_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "typo.toml"
    assert _error(None, {"CENTRAL156_CONFIG": str(missing)}) == (
        f"configuration: CENTRAL156_CONFIG: '{missing}' does not exist"
    )
    present = tmp_path / "c.toml"
    present.write_text("[pbx]\nami_port = 6038\n")
    assert load_settings(environ={"CENTRAL156_CONFIG": str(present)}).pbx.ami_port == 6038


def test_the_cli_prints_a_config_error_as_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line's logging setup would replace pytest's handlers.
    monkeypatch.setattr("citizen_center.logs.configure_logging", lambda level: None)
    config = tmp_path / "c.toml"
    config.write_text("")
    env = {
        "CENTRAL156_CONFIG": str(config),
        "CENTRAL156_DATA_DIR": str(tmp_path),
        "CENTRAL156_PBX_AMI_PORT": "abc",
    }
    result = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines == ["Error: configuration: CENTRAL156_PBX_AMI_PORT: 'abc' is not a whole number"]
