"""A live web server on a database and an Open311 client for it (each test module makes its
own fixture from ``running``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from citizen_center.config import Settings, WebSettings
from citizen_center.db import Database
from citizen_center.domain.workflow import Channel
from citizen_center.services import api_clients
from web.server import RunningWeb, start_in_thread

API = "/open311/v2"
# Generous limits: only the rate-limit tests use tight ones.
ROOMY = WebSettings(
    post_rate_per_ip="10000/minute",
    post_rate_per_key="10000/minute",
    get_rate_per_ip="10000/minute",
)


@dataclass
class Open311:
    web: RunningWeb
    http: httpx.Client
    key: str

    @property
    def database(self) -> Database:
        return self.web.parts.database


def new_key(database: Database, name: str, channel: Channel = Channel.APP) -> str:
    with database.transaction() as session:
        return api_clients.create_api_client(session, name, channel).key


def running(database: Database, web: WebSettings = ROOMY) -> Iterator[Open311]:
    server = start_in_thread(Settings(web=web), database)
    try:
        with httpx.Client(base_url=server.url + API, timeout=30) as http:
            yield Open311(server, http, new_key(database, "app-da-prefeitura"))
    finally:
        server.stop()
