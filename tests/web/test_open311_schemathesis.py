"""Schemathesis against the live server: the OpenAPI description is the truth about the API.

Every Open311 operation gets generated calls, valid and invalid (negative mode: wrong types,
missing fields), with a fixed seed; each answer must be no server error and conform to the
description (status documented, content type, JSON schema). SQLite: the description is the same
on both engines, and the engines are exercised by ``test_open311_api``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from citizen_center.db import Database
from citizen_center.domain.workflow import Channel, Status
from citizen_center.services import requests
from citizen_center.services.citizens import AddressInput
from citizen_center.services.common import Actor
from tests.web.open311_fixtures import Open311, running

EXAMPLES = 400
# About 40 s on 2 cores: past the fast tier's budget.
pytestmark = pytest.mark.slow


@pytest.fixture
def open311(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Open311]:
    from tests.fixtures.databases import fresh_database_url

    for url in fresh_database_url("sqlite", request, tmp_path):
        database = Database.from_url(url)
        with database.transaction() as session:
            for days in range(5):
                item = requests.open_request(
                    session,
                    service_code="VIA-BURACO",
                    channel=Channel.PHONE,
                    actor=Actor.system("teste"),
                    address=AddressInput(street="Rua Teste"),
                    now=datetime.now(UTC) - timedelta(days=days),
                )
                requests.change_status(session, item, Status.IN_PROGRESS, Actor.system("teste"))
        try:
            yield from running(database)
        finally:
            database.dispose()


def test_the_api_keeps_its_openapi_description(open311: Open311) -> None:
    base = open311.web.url
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json").include(path_regex="^/open311/")
    cases = st.one_of(
        schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE)
    )

    @seed(156)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def call(case: schemathesis.Case[Any]) -> None:
        # Positive data may still be refused (400): the 90-day span of start_date..end_date and
        # the years 2000-2100 are rules an OpenAPI description cannot state; conformance of
        # every answer (status, content type, body) is still checked.
        case.call_and_validate(base_url=base, excluded_checks=[positive_data_acceptance])

    call()
