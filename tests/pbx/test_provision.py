"""Provisioning logic that needs no download."""

from __future__ import annotations

from pathlib import Path

import pytest

from citizen_center.config import PbxSettings
from pbx import provision
from pbx.provision import PrivateApt, ProvisionError


def test_private_apt_resolves_the_full_closure_from_a_dated_snapshot(tmp_path: Path) -> None:
    apt = PrivateApt(tmp_path, "http://deb.debian.org/debian", "sid")
    apt.prepare()
    options = apt.options()
    assert f"-oDir::State::status={tmp_path}/state/status" in options
    assert (tmp_path / "state" / "status").read_text() == ""  # nothing "installed"
    assert "-oAcquire::Check-Valid-Until=false" in options
    assert "-oAcquire::Check-Date=false" in options
    assert "-oAPT::Install-Recommends=false" in options
    assert (
        (tmp_path / "sources.list").read_text().endswith("http://deb.debian.org/debian sid main\n")
    )


@pytest.mark.slow  # runs the real apt-get against an unreachable mirror: a second
def test_unreachable_archive_with_nothing_cached_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provision, "find_system_asterisk", lambda: None)
    settings = PbxSettings(debian_mirror="http://127.0.0.1:9/debian")
    with pytest.raises(ProvisionError, match="archive") as raised:
        provision.ensure_asterisk(settings, cache_dir=tmp_path)
    assert "No cached Asterisk packages" in str(raised.value)
    assert "central156 pbx setup" in str(raised.value)


@pytest.mark.slow  # runs the real apt-get against an unreachable mirror: a second
def test_cached_debs_are_used_when_the_archive_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archives = tmp_path / "apt" / "archives"
    archives.mkdir(parents=True)
    for name in ("asterisk_1_amd64.deb", "libc6_2_amd64.deb"):
        (archives / name).write_bytes(b"")
    unpacked: list[list[str]] = []
    monkeypatch.setattr(provision, "find_system_asterisk", lambda: None)
    monkeypatch.setattr(
        provision, "unpack_tree", lambda debs, tree: unpacked.append(sorted(d.name for d in debs))
    )
    installed = provision.AsteriskInstall(("asterisk",), tmp_path, tmp_path, "22", "unpacked")
    monkeypatch.setattr(provision, "tree_install", lambda tree: installed)
    settings = PbxSettings(debian_mirror="http://127.0.0.1:9/debian")
    assert provision.ensure_asterisk(settings, cache_dir=tmp_path) is installed
    assert unpacked == [["asterisk_1_amd64.deb", "libc6_2_amd64.deb"]]


def test_maintainer_script_symlink_for_english_sounds(tmp_path: Path) -> None:
    (tmp_path / "usr/share/asterisk/sounds/en_US_f_Allison").mkdir(parents=True)
    provision.make_what_maintainer_scripts_make(tmp_path)
    english = tmp_path / "usr/share/asterisk/sounds/en"
    assert english.is_symlink() and english.resolve().name == "en_US_f_Allison"


def test_the_set_of_debs_identifies_a_tree() -> None:
    a = [Path("x/asterisk_1.deb"), Path("y/libc6_2.deb")]
    b = [Path("libc6_2.deb"), Path("asterisk_1.deb")]
    assert provision.deb_set_digest(a) == provision.deb_set_digest(b)
    assert provision.deb_set_digest(a) != provision.deb_set_digest(a[:1])
