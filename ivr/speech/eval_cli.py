"""``central156 speech``: train the intent model and evaluate the speech path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from citizen_center.config import load_settings

if TYPE_CHECKING:
    from ivr.speech.evaluation.session import EvalSession
    from ivr.speech.whisper_engine import DecodingOptions


def progress_bar(label: str, total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=f"{label:<18}", unit=" clips", leave=False)

    def tick(done: int) -> None:
        bar.update(done)
        if bar.n >= total:
            bar.close()

    return tick


def _decoding(beam: int, phrases: bool, full_window: bool) -> DecodingOptions:
    from ivr.speech.whisper_engine import DecodingOptions

    return DecodingOptions(
        beam_size=beam, hypotheses=beam, short_window=not full_window, phrase_scoring=phrases
    )


def _session(
    beam: int, prompts: str, phrases: bool, full_window: bool, streaming: bool = False
) -> EvalSession:
    from ivr.intent import PromptPolicy
    from ivr.speech.evaluation.session import EvalSession

    settings = load_settings()
    return EvalSession.create(
        settings.ivr,
        _decoding(beam, phrases, full_window),
        progress_bar,
        PromptPolicy(prompts),
        settings.streaming if streaming else None,
    )


_decoding_options = [
    click.option("--beam", default=5, show_default=True, help="Beam size (and n-best)."),
    click.option(
        "--prompts",
        type=click.Choice(["none", "closed", "all"]),
        default="none",
        show_default=True,
        help="Which questions get a vocabulary prompt.",
    ),
    click.option(
        "--phrases/--no-phrases", default=False, show_default=True, help="Acoustic phrase scoring."
    ),
    click.option("--full-window", is_flag=True, help="Encode Whisper's whole 30 s window."),
]


def decoding_options(func: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_decoding_options):
        func = option(func)
    return func


@click.group()
def speech() -> None:
    """Train the intent model and evaluate the speech path on the evaluation set."""


@speech.command()
@decoding_options
def augment(beam: int, prompts: str, phrases: bool, full_window: bool) -> None:
    """Hear new corpus phrasings through espeak-ng and Whisper (training data for the model)."""
    added = _session(beam, prompts, phrases, full_window).augment()
    click.echo(f"{added} phrasings heard; run `central156 speech train` to use them")


@speech.command()
@decoding_options
@click.option("--dry-run", is_flag=True, help="Train and report, but do not save the model.")
def train(beam: int, prompts: str, phrases: bool, full_window: bool, dry_run: bool) -> None:
    """Retrain the intent model from the corpus and refit the confidence on the dev part."""
    from ivr.speech.evaluation.table import render, rows, sweep

    session = _session(beam, prompts, phrases, full_window)
    settings = session.settings
    understanding, turns, cross_fitted = session.train(save=not dry_run)
    click.echo(
        f"intent model: {len(understanding.classifier.labels)} labels; "
        f"calibration: {understanding.calibration.fitted_on}"
    )
    click.echo(render(f"dev part ({session.name})", rows(turns)))
    click.echo(
        "threshold sweep, dev part with the calibration cross-fitted in two halves "
        "(each half scored by a fit on the other):"
    )
    click.echo(sweep(cross_fitted, settings, session.catalogue))
    if dry_run:
        click.echo("(dry run: nothing saved)")


@speech.command("eval")
@decoding_options
@click.option(
    "--split", type=click.Choice(["dev", "test", "all"]), default="test", show_default=True
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Recognise again instead of using the cache (times on this machine).",
)
@click.option("--voices", is_flag=True, help="Also one row per voice.")
@click.option("--errors", is_flag=True, help="List every misrouted turn.")
@click.option(
    "--streaming",
    is_flag=True,
    help="Hear each clip as the streaming engine would: through the end-pointer ([streaming]).",
)
@click.option("--every", default=1, show_default=True, help="Only every Nth utterance (quicker).")
def evaluate(
    beam: int,
    prompts: str,
    phrases: bool,
    full_window: bool,
    split: str,
    fresh: bool,
    voices: bool,
    errors: bool,
    streaming: bool,
    every: int,
) -> None:
    """Print the four-outcome table (right, confirmed, retry, misroute) of one part."""
    from ivr.speech.evaluation.dataset import Split
    from ivr.speech.evaluation.scoring import Outcome
    from ivr.speech.evaluation.table import by_voice, render, rows

    session = _session(beam, prompts, phrases, full_window, streaming)
    session.every = max(1, every)
    part = None if split == "all" else Split(split)
    turns = session.run(part, session.understanding(), fresh=fresh)
    table = rows(turns) + (by_voice(turns) if voices else [])
    click.echo(render(session.title(split), table))
    if errors:
        for turn in turns:
            if turn.outcome is Outcome.MISROUTE:
                click.echo(
                    f"  {turn.clip.item.id} {turn.clip.voice:<13} "
                    f"{turn.clip.item.expected:<16} → {turn.intent.kind.value}:"
                    f"{turn.intent.service_code or turn.intent.queue_code or ''} "
                    f"{turn.intent.confidence:.2f} {turn.heard.transcript!r}"
                )


@speech.command()
@click.option("--host", help="Address to listen on (default: [streaming] listen_host).")
@click.option("--port", type=int, help="Port (default: [streaming] listen_port).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the streaming speech engine Asterisk sends callers' audio to (AEAP WebSocket)."""
    from ivr.speech.base import SpeechUnavailableError
    from ivr.streaming.service import serve_forever

    settings = load_settings()
    try:
        serve_forever(
            settings,
            host or settings.streaming.listen_host,
            port or settings.streaming.listen_port,
        )
    except SpeechUnavailableError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot serve the speech engine: {exc}") from exc
