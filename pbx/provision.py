"""Obtain an Asterisk to run: the machine's own, or Debian's package unpacked into a cache.

Debian 12 has no ``asterisk`` package, and sid's build needs a newer glibc than the host's. So,
without root, chroot or mounts, and without touching the system's apt sources, we:

1. resolve and download ``asterisk`` with its *full* dependency closure (libc6 included) through a
   private apt configuration whose dpkg status file is empty;
2. unpack every .deb with ``dpkg-deb -x`` into one tree;
3. run ``TREE/.../ld-linux-x86-64.so.2 --library-path TREE/usr/lib/... TREE/usr/sbin/asterisk``,
   so Asterisk uses sid's libc and loader, never the host's.

The .debs and the unpacked tree stay under ``user_cache_dir()/asterisk``: a second set-up needs no
network and takes well under a second. See ``shared/docs/pbx-lab.md`` for the measurements.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from citizen_center.config import PbxSettings, user_cache_dir

log = logging.getLogger(__name__)

MULTIARCH = "x86_64-linux-gnu"
LOADER = f"usr/lib/{MULTIARCH}/ld-linux-x86-64.so.2"
ASTERISK_PACKAGE = "asterisk"
# Folders of the unpacked tree nobody reads at run time; dropping them saves about 60 MB.
UNNEEDED_TREE_DIRS = ("usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info")
# Written last into a finished tree: its presence means the tree is complete and usable.
TREE_STAMP = ".central156-tree"
# Where distribution packages put Asterisk's modules and data, most common first.
SYSTEM_MODULE_DIRS = (
    f"/usr/lib/{MULTIARCH}/asterisk/modules",
    "/usr/lib/asterisk/modules",
    "/usr/lib64/asterisk/modules",
)
SYSTEM_DATA_DIRS = ("/usr/share/asterisk", "/var/lib/asterisk")


# "Inst libc6 (2.42-2 Debian:unstable [amd64])" in apt-get -s output.
SIMULATED_INSTALL = re.compile(
    r"^Inst (?P<name>\S+) \((?P<version>\S+) .*\[(?P<arch>[^\]]+)\]\)", re.MULTILINE
)


class ProvisionError(RuntimeError):
    """Asterisk could not be obtained; the message says why and what to do."""


@dataclass(frozen=True)
class AsteriskInstall:
    """How to run one Asterisk binary and where its modules and sounds are."""

    command: tuple[str, ...]
    module_dir: Path
    data_dir: Path
    version: str
    origin: str  # "system" or "unpacked"

    def argv(self, *args: str) -> list[str]:
        return [*self.command, *args]


def asterisk_cache_dir() -> Path:
    return user_cache_dir() / "asterisk"


# --------------------------------------------------------------------------- the machine's own


def find_system_asterisk() -> AsteriskInstall | None:
    """The distribution's Asterisk, when ``asterisk -V`` works on this machine."""
    binary = shutil.which("asterisk") or next(
        (p for p in ("/usr/sbin/asterisk",) if os.access(p, os.X_OK)), None
    )
    if binary is None:
        return None
    version = _asterisk_version([binary])
    if version is None:
        return None
    module_dir = _first_existing(SYSTEM_MODULE_DIRS)
    data_dir = _first_existing(SYSTEM_DATA_DIRS)
    if module_dir is None or data_dir is None:
        log.warning("asterisk found at %s but not its modules or data folder; ignoring it", binary)
        return None
    return AsteriskInstall((binary,), module_dir, data_dir, version, "system")


def _first_existing(candidates: Sequence[str]) -> Path | None:
    return next((Path(p) for p in candidates if Path(p).is_dir()), None)


def _asterisk_version(command: Sequence[str]) -> str | None:
    try:
        done = subprocess.run(
            [*command, "-V"], capture_output=True, text=True, timeout=15, check=False
        )
    except OSError:
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out.startswith("Asterisk") else None


# --------------------------------------------------------------------------- private apt


@dataclass(frozen=True)
class PrivateApt:
    """An apt configuration of our own: its own sources, lists, archives and an empty status.

    The empty dpkg status makes apt believe nothing is installed, so it resolves the full
    dependency closure (sid's libc6 included) instead of trusting the host's bookworm libraries.
    """

    root: Path
    mirror: str
    suite: str

    @property
    def archives(self) -> Path:
        return self.root / "archives"

    def options(self) -> list[str]:
        root = self.root
        opts = {
            "Dir::Etc::sourcelist": str(root / "sources.list"),
            "Dir::Etc::sourceparts": str(root / "sources.list.d"),
            # No host apt.conf.d: its hooks (e.g. docker-clean deleting .debs) are not ours.
            "Dir::Etc::parts": str(root / "apt.conf.d"),
            "Dir::Etc::preferences": str(root / "preferences"),
            "Dir::Etc::preferencesparts": str(root / "preferences.d"),
            "Dir::State": str(root / "state"),
            "Dir::State::Lists": str(root / "state" / "lists"),
            "Dir::State::status": str(root / "state" / "status"),
            "Dir::Cache": str(root / "cache"),
            "Dir::Cache::archives": str(self.archives),
            "Dir::Log": str(root / "log"),
            "APT::Install-Recommends": "false",
            "APT::Install-Suggests": "false",
            # The archive served to these machines is a dated snapshot: its sid Release file is
            # "expired", and apt refuses it without these two.
            "Acquire::Check-Valid-Until": "false",
            "Acquire::Check-Date": "false",
            "Acquire::Languages": "none",
            "Acquire::Retries": "1",
            "Acquire::http::Timeout": "20",
            # Root's downloads would otherwise be sandboxed to _apt, who cannot write our folders.
            "APT::Sandbox::User": "root" if os.geteuid() == 0 else "",
            "Debug::NoLocking": "true",
        }
        return [f"-o{key}={value}" for key, value in opts.items() if value != ""]

    def sources_line(self) -> str:
        keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
        signed = f" [signed-by={keyring}]" if Path(keyring).is_file() else ""
        return f"deb{signed} {self.mirror} {self.suite} main\n"

    def prepare(self) -> None:
        for sub in (
            "sources.list.d",
            "apt.conf.d",
            "preferences.d",
            "state/lists/partial",
            "cache",
            "archives/partial",
            "log",
        ):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "sources.list").write_text(self.sources_line())
        (self.root / "state" / "status").write_text("")

    def update(self) -> None:
        self._apt_get(["--error-on=any", "update"], what="reading the package index")

    def download(self, package: str) -> list[Path]:
        """Download ``package`` and its whole dependency closure; return the .debs it needs."""
        wanted = self._planned_debs(package)
        missing = [name for name in wanted if not (self.archives / name).is_file()]
        command = [*self._base(), "-y", "--download-only", "install", package]
        log.info(
            "%s needs %d packages, %d to download from %s %s",
            package,
            len(wanted),
            len(missing),
            self.mirror,
            self.suite,
        )
        with tqdm(total=len(missing), desc="download asterisk", unit="deb") as bar:
            proc = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            assert proc.stdout is not None
            output = []
            for line in proc.stdout:
                output.append(line)
                if line.startswith("Get:"):
                    bar.update(1)
            if proc.wait() != 0:
                raise ProvisionError(_apt_failure("downloading Asterisk", "".join(output)))
        return [self._deb_path(name) for name in wanted]

    def _planned_debs(self, package: str) -> list[str]:
        """File names (``name_version_arch.deb``) of the closure, from a simulated install."""
        out = self._apt_get(["-s", "install", package], what="resolving dependencies")
        return [
            # apt stores an epoch's ':' as '%3a' in archive file names.
            f"{m['name']}_{m['version'].replace(':', '%3a')}_{m['arch']}.deb"
            for m in SIMULATED_INSTALL.finditer(out)
        ]

    def _deb_path(self, filename: str) -> Path:
        path = self.archives / filename
        if not path.is_file():
            raise ProvisionError(f"apt reported success but {path} is missing")
        return path

    def _base(self) -> list[str]:
        return ["apt-get", "-q", *self.options()]

    def _apt_get(self, args: list[str], what: str) -> str:
        done = subprocess.run([*self._base(), *args], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ProvisionError(_apt_failure(what, done.stdout + done.stderr))
        return done.stdout


def _apt_failure(what: str, output: str) -> str:
    tail = "\n".join(output.strip().splitlines()[-8:])
    return (
        f"apt-get failed while {what}. Is Debian's archive reachable from this machine?\n"
        f"--- apt-get said ---\n{tail}"
    )


# --------------------------------------------------------------------------- unpacked tree


def unpack_tree(debs: Sequence[Path], tree: Path) -> None:
    """Unpack the .debs into ``tree`` (replacing it) as dpkg would, minus maintainer scripts."""
    staging = Path(tempfile.mkdtemp(prefix=".tree-", dir=tree.parent))
    try:
        # dpkg-deb is single-threaded and mostly decompressing: two at a time uses both cores.
        with (
            ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool,
            tqdm(total=len(debs), desc="unpack asterisk", unit="deb") as bar,
        ):
            for _ in pool.map(lambda deb: _extract(deb, staging), debs):
                bar.update(1)
        for sub in UNNEEDED_TREE_DIRS:
            shutil.rmtree(staging / sub, ignore_errors=True)
        make_what_maintainer_scripts_make(staging)
        (staging / TREE_STAMP).write_text(deb_set_digest(debs) + "\n")
        if tree.exists():
            shutil.rmtree(tree)
        staging.rename(tree)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _extract(deb: Path, tree: Path) -> None:
    done = subprocess.run(
        ["dpkg-deb", "-x", str(deb), str(tree)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ProvisionError(f"dpkg-deb could not unpack {deb.name}: {done.stderr.strip()}")


def make_what_maintainer_scripts_make(tree: Path) -> None:
    """The bits Debian's postinst scripts would have created and that Asterisk needs."""
    sounds = tree / "usr/share/asterisk/sounds"
    english = sounds / "en"
    # asterisk-core-sounds-en's postinst points the "en" language at the Allison voice.
    if sounds.is_dir() and not english.exists() and (sounds / "en_US_f_Allison").is_dir():
        english.symlink_to("en_US_f_Allison")


def deb_set_digest(debs: Sequence[Path]) -> str:
    """Identifies a set of .debs by name, so a tree built from another set is rebuilt."""
    names = "\n".join(sorted(deb.name for deb in debs))
    return hashlib.sha256(names.encode()).hexdigest()


def tree_install(tree: Path) -> AsteriskInstall:
    libs = tree / "usr/lib" / MULTIARCH
    command = (
        str(tree / LOADER),
        "--library-path",
        f"{libs}:{tree / 'lib' / MULTIARCH}",
        str(tree / "usr/sbin/asterisk"),
    )
    version = _asterisk_version(command)
    if version is None:
        raise ProvisionError(f"the unpacked Asterisk in {tree} does not run; delete it and retry")
    return AsteriskInstall(
        command, libs / "asterisk/modules", tree / "usr/share/asterisk", version, "unpacked"
    )


def cached_debs(archives: Path) -> list[Path]:
    return sorted(archives.glob("*.deb")) if archives.is_dir() else []


def _tree_is_complete(tree: Path) -> bool:
    return (tree / TREE_STAMP).is_file() and (tree / "usr/sbin/asterisk").is_file()


# --------------------------------------------------------------------------- entry point


def ensure_asterisk(settings: PbxSettings, cache_dir: Path | None = None) -> AsteriskInstall:
    """An Asterisk ready to run: the system's, the cached tree, or a fresh download and unpack."""
    system = find_system_asterisk()
    if system is not None:
        log.info("using the machine's own %s", system.version)
        return system
    cache = cache_dir or asterisk_cache_dir()
    tree = cache / "tree"
    if _tree_is_complete(tree):
        return tree_install(tree)
    cache.mkdir(parents=True, exist_ok=True)
    apt = PrivateApt(cache / "apt", settings.debian_mirror, settings.debian_suite)
    debs = _download_or_reuse(apt)
    unpack_tree(debs, tree)
    install = tree_install(tree)
    log.info("unpacked %s into %s", install.version, tree)
    return install


def _download_or_reuse(apt: PrivateApt) -> list[Path]:
    apt.prepare()
    try:
        apt.update()
        return apt.download(ASTERISK_PACKAGE)
    except ProvisionError as error:
        cached = cached_debs(apt.archives)
        if _looks_complete(cached):
            log.warning("archive unreachable, unpacking the %d cached .debs instead", len(cached))
            return cached
        raise ProvisionError(
            f"{error}\n\nNo cached Asterisk packages in {apt.archives} either. Connect this "
            f"machine to Debian's archive ({apt.mirror}), or install a distribution 'asterisk' "
            "package, and run `central156 pbx setup` again."
        ) from error


def _looks_complete(debs: Sequence[Path]) -> bool:
    names = {deb.name.split("_", 1)[0] for deb in debs}
    return {ASTERISK_PACKAGE, "libc6"} <= names
