"""The citizen page's fixtures: the real web server (uvicorn in a thread) on a fresh database of
each engine, and a browser-like HTTP client that keeps cookies and reads the forms' tokens."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from PIL import Image

from citizen_center.config import Settings, WebSettings
from citizen_center.db import Database
from web.server import RunningWeb, start_in_thread

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PROTOCOL = re.compile(r'id="numero-protocolo">([\d-]+)<')
FOLLOW_CODE = re.compile(r'id="codigo-acompanhamento">([A-Z0-9-]+)<')


def web_settings(**web: Any) -> Settings:
    return Settings(web=WebSettings(secret_key="test-secret-key-for-the-forms-0123456789", **web))


@pytest.fixture
def web_server(migrated_db: Database) -> Iterator[RunningWeb]:
    running = start_in_thread(web_settings(max_photo_mb=2.0, photo_max_side=640), migrated_db)
    try:
        yield running
    finally:
        running.stop()


@dataclass
class Citizen:
    """A browser without JavaScript: follows the page's forms and keeps its cookie."""

    client: httpx.Client

    def token(self, path: str) -> str:
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        found = TOKEN.search(page.text)
        assert found, "the page has no anti-forgery token"
        return found.group(1)

    def file(
        self, fields: dict[str, str], photos: list[tuple[str, bytes, str]] | None = None
    ) -> httpx.Response:
        data = {"csrf_token": self.token("/solicitar"), **fields}
        files = [("fotos", photo) for photo in photos or []]
        return self.client.post("/solicitar", data=data, files=files or None)


@pytest.fixture
def citizen(web_server: RunningWeb) -> Iterator[Citizen]:
    with httpx.Client(base_url=web_server.url, timeout=20, follow_redirects=True) as client:
        yield Citizen(client)


def jpeg_with_gps(width: int = 1200, height: int = 900) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "S", 2: (30.0, 2.0, 4.5), 3: "W", 4: (51.0, 13.0, 3.7)})
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
