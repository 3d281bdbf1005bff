from pathlib import Path

import pytest

from citizen_center.config import load_settings


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


def test_unknown_or_mistyped_settings_are_reported(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[pbx]\nami_prot = 1\n")
    with pytest.raises(ValueError, match=r"unknown setting.*ami_prot"):
        load_settings(config, environ={})
    with pytest.raises(ValueError, match="CENTRAL156_PBX_AMI_PORT"):
        load_settings(tmp_path / "none.toml", environ={"CENTRAL156_PBX_AMI_PORT": "abc"})
