"""``central156 demo run`` (the whole system on one machine) and ``central156 demo call`` (a
simulated citizen)."""

from __future__ import annotations

import sys

import click

from citizen_center.config import load_settings
from citizen_center.errors import CitizenCenterError


@click.group()
def demo() -> None:
    """Demonstrations against the local PBX."""


@demo.command("run")
def run_command() -> None:
    """Start the PBX, the IVR and the desktop (logged in as a demo agent); stop them on exit."""
    from demo.run import run_demo

    try:
        code = run_demo(load_settings(), click.echo)
    except CitizenCenterError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)


@demo.command("call")
@click.argument("text")
@click.option("--caller", default="", help="Caller number (default: a random mobile).")
@click.option(
    "--lead",
    default=10.0,
    show_default=True,
    help="Seconds before the citizen speaks (the IVR's greeting and question).",
)
@click.option(
    "--hold",
    default=90.0,
    show_default=True,
    help="Seconds the citizen stays on the line after speaking.",
)
def call(text: str, caller: str, lead: float, hold: float) -> None:
    """Place a simulated citizen call saying TEXT (pt-BR speech) into the 156 line."""
    from demo.simulate import place_call
    from pbx.ami import AmiError

    try:
        placed = place_call(
            load_settings().pbx, text, caller_number=caller, lead_seconds=lead, hold_seconds=hold
        )
    except (OSError, AmiError) as exc:
        raise click.ClickException(
            f"cannot reach the PBX (is `central156 pbx start` running?): {exc}"
        ) from exc
    click.echo(f"call placed from {placed.caller_number}: {text!r}")
