"""The tier markers are read from the fixtures a test uses (the hook in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import tier_markers

# A stand-in for the real fixtures: same names, nothing started.
CONFTEST = """
import pytest
from tests.conftest import pytest_collection_modifyitems  # noqa: F401

@pytest.fixture
def pbx(): pass

@pytest.fixture
def whisper_model(): pass

@pytest.fixture
def qtbot(): pass

@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request): return request.param

@pytest.fixture
def migrated_db(db_url): return db_url

@pytest.fixture
def desk(qtbot, migrated_db): pass
"""

TESTS = """
import pytest

def test_plain(): pass
def test_call(pbx): pass
def test_heard(whisper_model, pbx): pass
def test_stored(migrated_db): pass
def test_desk(desk): pass

@pytest.mark.asterisk
def test_by_hand(): pass
"""


def selected(pytester: pytest.Pytester, expression: str) -> set[str]:
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider", "-m", expression)
    return {line.split("::", 1)[1] for line in result.outlines if "::" in line}


def test_markers_follow_the_fixtures_and_only_the_postgresql_half(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_tiers_sample=TESTS)
    assert selected(pytester, "asterisk") == {"test_call", "test_heard", "test_by_hand"}
    assert selected(pytester, "speech") == {"test_heard"}
    assert selected(pytester, "postgresql") == {"test_stored[postgresql]", "test_desk[postgresql]"}
    assert selected(pytester, "qt") == {"test_desk[sqlite]", "test_desk[postgresql]"}
    assert selected(pytester, "not (asterisk or postgresql or speech or qt)") == {
        "test_plain",
        "test_stored[sqlite]",
    }


def test_postgresql_asked_for_without_the_marker_fails_and_says_why(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest("""
import pytest
from tests.conftest import pytest_fixture_setup  # noqa: F401

@pytest.fixture(scope="session")
def postgres_server(): return "a server"
""")
    pytester.makeini("[pytest]\nmarkers =\n    postgresql: the test PostgreSQL server\n")
    pytester.makepyfile(
        test_sneaky="""
import pytest

def test_unmarked(request): request.getfixturevalue("postgres_server")

@pytest.mark.postgresql
def test_marked(request): request.getfixturevalue("postgres_server")
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_unmarked starts PostgreSQL without the postgresql marker*"])


def test_tier_markers_of_a_fixture_set() -> None:
    assert tier_markers(["tmp_path"], {}) == set()
    assert tier_markers(["pbx", "qtbot", "korean_model"], {}) == {"asterisk", "qt", "speech"}
    assert tier_markers(["empty_db_url"], {"empty_db_url": "postgresql"}) == {"postgresql"}
    assert tier_markers(["xvfb_run"], {"demo": "sqlite"}) == {"qt"}
    assert tier_markers(["citizen", "web_server", "migrated_db"], {"db_url": "sqlite"}) == {"web"}
