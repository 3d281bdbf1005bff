"""Test-wide fixtures come from plugin modules in ``tests/fixtures``."""

pytest_plugins = [
    "tests.fixtures.databases",
    "tests.fixtures.asterisk",
    "tests.fixtures.ivr",
]
