"""``central156 prompts``: render and inspect the IVR's pre-recorded prompts."""

from __future__ import annotations

import time

import click

from citizen_center.catalogue import shipped_catalogue
from citizen_center.config import load_settings
from ivr.prompts.build import ENGINES, PromptBuilder, SynthesisError
from ivr.prompts.catalogue import all_prompts
from pbx.prompts import LANGUAGE_DIR


@click.group()
def prompts() -> None:
    """Pre-rendered pt-BR prompts (8 kHz WAV for Asterisk)."""


@prompts.command("build")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="TTS engine (default: the ivr.tts_engine setting).",
)
def build(engine: str | None) -> None:
    """Render every prompt to <audio dir>/pt_BR/ (cached: a rebuild is instant)."""
    settings = load_settings().ivr
    audio_dir = settings.resolved_audio_dir()
    builder = PromptBuilder(audio_dir, engine or settings.tts_engine, settings.tts_timeout_seconds)
    started = time.perf_counter()
    try:
        rendered = builder.build(all_prompts(shipped_catalogue()))
    except SynthesisError as exc:
        raise click.ClickException(str(exc)) from exc
    engines = sorted({r.engine for r in rendered})
    click.echo(
        f"{len(rendered)} prompts in {audio_dir / LANGUAGE_DIR} "
        f"({', '.join(engines)}) in {time.perf_counter() - started:.1f} s"
    )


@prompts.command("list")
def list_prompts() -> None:
    """Print every prompt key and its text."""
    for key, text in all_prompts(shipped_catalogue()).items():
        click.echo(f"{key}\t{text}")
