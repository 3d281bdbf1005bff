"""Test-wide fixtures come from plugin modules in ``tests/fixtures``; tiers come from fixtures.

Tiers. A test is marked by what it needs, read from the fixtures it uses, so no module has to
remember to say it:

- ``asterisk``: the local Asterisk (fixtures ``pbx``, ``asterisk_install``);
- ``postgresql``: the test PostgreSQL server (fixtures ``postgres_server``,
  ``postgres_template``, or any fixture parametrised over ``ENGINES`` whose value for this test
  is ``"postgresql"``: the ``[postgresql]`` half of a persistence test, not its ``[sqlite]`` one);
- ``speech``: a speech model installed and loaded (``whisper_model``, ``korean_model``);
- ``qt``: Qt widgets (pytest-qt's ``qtbot``/``qapp``, or ``xvfb_run`` for screenshots);
- ``browser``: a real web browser (``web_browser``: Debian's Chromium driven by Playwright);
- ``web``: the web server running, spoken to over HTTP (``web_server``, ``open311``): a fraction
  of a second each, which over some twenty tests is a third of the fast tier, so ``make check``
  leaves them to ``make test``; the domain and unit tests of the web side stay fast.

A test that reaches a service without a fixture saying so (a ``PostgresServer()`` of its own,
``fresh_database_url("postgresql", ...)``, a web server started by ``start_in_thread``) carries
the marker by hand; ``postgres_server`` refuses to start for a test without the ``postgresql``
marker, so a miss fails loudly instead of starting PostgreSQL in the fast tier.

``slow`` is not derived: it stays a hand-written marker for a test that is long whatever it
needs (seconds of its own work). The tier markers say what a test needs, ``slow`` how long it
takes; the fast tier (``make check``) leaves out both, see ``FAST_TIER`` in the Makefile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pytest

pytest_plugins = [
    "pytester",
    "tests.fixtures.databases",
    "tests.fixtures.asterisk",
    "tests.fixtures.ivr",
]

TIER_FIXTURES: Mapping[str, frozenset[str]] = {
    "asterisk": frozenset({"pbx", "asterisk_install"}),
    "postgresql": frozenset({"postgres_server", "postgres_template", "postgres_db"}),
    "speech": frozenset({"whisper_model", "korean_model"}),
    "qt": frozenset({"qtbot", "qapp", "xvfb_run"}),
    "browser": frozenset({"web_browser"}),
    "web": frozenset({"web_server", "open311"}),
}
# The value a fixture parametrised over tests.fixtures.databases.ENGINES takes for PostgreSQL.
POSTGRESQL_PARAM = "postgresql"
# Every tier marker.
TIERS = tuple(TIER_FIXTURES)


def tier_markers(fixturenames: Iterable[str], params: Mapping[str, object]) -> set[str]:
    """The tier markers of a test using ``fixturenames`` with these parametrised values."""
    used = set(fixturenames)
    found = {tier for tier, fixtures in TIER_FIXTURES.items() if used & fixtures}
    if any(value == POSTGRESQL_PARAM for value in params.values()):
        found.add("postgresql")
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        params: Mapping[str, object] = callspec.params if callspec is not None else {}
        present = {marker.name for marker in item.iter_markers()}
        for name in sorted(tier_markers(getattr(item, "fixturenames", ()), params) - present):
            item.add_marker(name)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> None:
    """The PostgreSQL server may start only for a test in the ``postgresql`` tier."""
    if fixturedef.argname != "postgres_server":
        return
    item = request._pyfuncitem
    if item.get_closest_marker("postgresql") is None:
        pytest.fail(
            f"{item.nodeid} starts PostgreSQL without the postgresql marker: take "
            "postgres_server as an argument (the marker follows) or mark the test "
            "@pytest.mark.postgresql",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its lowest cost in tests: production's parameters cost ~0.2 s a hash, and the
    tests check who may log in, not argon2's strength (a hash names its own parameters, so one
    made here still verifies anywhere)."""
    from argon2 import PasswordHasher

    from citizen_center.services import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
