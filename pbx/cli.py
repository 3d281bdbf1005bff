"""``central156 pbx setup|start|stop|status|cli``: the local Asterisk."""

from __future__ import annotations

import sys
import time

import click

from citizen_center.config import Settings, load_settings
from pbx import process
from pbx.provision import AsteriskInstall, ProvisionError, ensure_asterisk
from pbx.render import RuntimeLayout, agi_address, prepare_runtime


def _install(settings: Settings) -> AsteriskInstall:
    try:
        return ensure_asterisk(settings.pbx)
    except ProvisionError as error:
        raise click.ClickException(str(error)) from error


@click.group()
def pbx() -> None:
    """The local Asterisk PBX (provisioned by the project)."""


@pbx.command()
def setup() -> None:
    """Obtain Asterisk (cached after the first time) and render the dialplans."""
    settings = load_settings()
    began = time.monotonic()
    install = _install(settings)
    layout = prepare_runtime(settings.pbx, settings.ivr, install, streaming=settings.streaming)
    click.echo(f"{install.version} ({install.origin}), ready in {time.monotonic() - began:.1f} s")
    click.echo(f"runtime folder: {layout.root}")
    click.echo(f"IVR FastAGI expected at agi://{agi_address(settings.pbx, settings.ivr)}")


@pbx.command()
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for boot.")
def start(timeout: float) -> None:
    """Start Asterisk in the background and wait until it is fully booted."""
    settings = load_settings()
    install = _install(settings)
    try:
        pid = process.start(
            settings.pbx, settings.ivr, install, boot_timeout=timeout, streaming=settings.streaming
        )
    except process.PbxError as error:
        raise click.ClickException(str(error)) from error
    pbx_settings = settings.pbx
    click.echo(
        f"Asterisk running, pid {pid}: AMI {pbx_settings.host}:{pbx_settings.ami_port} "
        f"(user {pbx_settings.ami_user}), SIP udp/{pbx_settings.sip_port}"
    )


@pbx.command()
def stop() -> None:
    """Stop the Asterisk of this runtime folder (by its process id)."""
    settings = load_settings()
    click.echo("stopped" if process.stop(settings.pbx) else "was not running")


@pbx.command()
def status() -> None:
    """Is the local Asterisk running?"""
    settings = load_settings()
    state = process.status(settings.pbx)
    click.echo(state.detail)
    sys.exit(0 if state.running else 3)


@pbx.command(name="cli")
@click.argument("command", nargs=-1, required=True)
def cli_command(command: tuple[str, ...]) -> None:
    """Run an Asterisk CLI command, e.g. `central156 pbx cli queue show`."""
    settings = load_settings()
    layout = RuntimeLayout(settings.pbx.resolved_runtime_dir())
    if process.running_pid(layout) is None:
        raise click.ClickException("Asterisk is not running; `central156 pbx start` first")
    done = process.cli(settings.pbx, _install(settings), " ".join(command))
    click.echo(done.stdout, nl=False)
    if done.returncode != 0:
        click.echo(done.stderr, err=True, nl=False)
        sys.exit(done.returncode)
