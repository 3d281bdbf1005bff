"""The import contract (setup.cfg's ``[importlinter]``): an upward import breaks it, by name.

The upward imports are added to a copy of the packages' Python files, so the checkout is left
alone; the checkout itself is linted as it is. A run of ``lint-imports`` takes half a second.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "citizen_center",
    "pbx",
    "serving",
    "ivr",
    "gateway",
    "web",
    "agent_desktop",
    "demo",
    "bench",
)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def copy_sources(dest: Path) -> Path:
    """The root packages' Python files and setup.cfg, as a project folder to lint."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, dest / package, ignore=_not_python)
    shutil.copy(ROOT / "setup.cfg", dest / "setup.cfg")
    return dest


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [
        n
        for n in names
        if not (Path(folder, n).is_dir() or n.endswith(".py")) or n == "__pycache__"
    ]


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` in ``project``: its own copy of the packages comes first on the path."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": str(LINT_IMPORTS.parent)},
    )


LAYERS = "Layers: nothing imports upwards"
DESKTOP = "The agent desktop reaches the PBX and the IVR only through the gateway"
# Upward imports, each added to a module of the copy: (module, what it imports, broken contract).
UPWARD = [
    ("citizen_center/db.py", "ivr", LAYERS),
    ("pbx/__init__.py", "agent_desktop", LAYERS),
    ("gateway/__init__.py", "ivr", LAYERS),  # the gateway and the IVR are independent
    ("serving/__init__.py", "pbx", LAYERS),  # serving stands beside pbx: the web server uses it
    ("agent_desktop/__init__.py", "ivr", DESKTOP),
]
VIOLATION = re.compile(r"^-\s+(\S+) -> (\S+) \(l\.\d+\)$")


def violations(output: str) -> list[tuple[str, str]]:
    """The (importer, imported) pairs ``lint-imports`` printed as breaking a contract."""
    return [(m[1], m[2]) for m in map(VIOLATION.match, output.splitlines()) if m]


def test_an_upward_import_breaks_the_contract_and_is_named(tmp_path: Path) -> None:
    project = copy_sources(tmp_path)
    for module, upward, _ in UPWARD:
        source = project / module
        source.write_text(source.read_text() + f"\nimport {upward}  # noqa\n")
    result = lint_imports(project)
    assert result.returncode == 1, result.stdout + result.stderr
    found = violations(result.stdout)
    for module, upward, contract in UPWARD:
        importer = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        assert (importer, upward) in found, result.stdout
        assert f"{contract} BROKEN" in result.stdout


def test_the_checkout_keeps_the_contract() -> None:
    result = lint_imports(ROOT)
    assert f"{LAYERS} KEPT" in result.stdout, result.stdout
    found = violations(result.stdout)
    if found and all(a.startswith("agent_desktop") and b.startswith("pbx.") for a, b in found):
        pytest.xfail(
            "agent_desktop still imports pbx (its AMI client, the secret store); "
            "the gateway work removes those imports"
        )
    assert result.returncode == 0, result.stdout + result.stderr
