"""``central156 desktop``: the agent desktop."""

from __future__ import annotations

import sys

import click

from citizen_center.config import load_settings
from citizen_center.db import open_database
from citizen_center.errors import CitizenCenterError


@click.command()
@click.option(
    "--user",
    "username",
    default="",
    help="Log in as this user (password from CENTRAL156_DESKTOP_PASSWORD, or asked).",
)
@click.option(
    "--interface",
    default="",
    help="Phone interface, e.g. PJSIP/agent-2001 (default: the user's registered phone).",
)
@click.option("--non-interactive", is_flag=True, help="Never show the login dialog (demos).")
def desktop(username: str, interface: str, non_interactive: bool) -> None:
    """The agent desktop (Qt)."""
    from agent_desktop.app import run

    try:
        settings = load_settings()
        # Before Qt and the login: a database that cannot be used is one line on the terminal.
        open_database(settings).dispose()
        code = run(settings, username, interface, non_interactive)
    except CitizenCenterError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)
