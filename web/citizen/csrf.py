"""Anti-forgery (CSRF) tokens for the citizen page's forms: a signed double submit.

Each browser gets a random nonce in a cookie (SameSite=Lax, HttpOnly); each form carries the
nonce signed with the server's secret and a time stamp (itsdangerous). A POST is accepted only
when the signed token is the server's, is younger than ``MAX_AGE_SECONDS`` and names the
browser's own cookie. Why itsdangerous rather than a CSRF package: the page must work without
JavaScript and with multipart forms (photos); starlette-csrf reads the token from a header only
(JavaScript needed), and fastapi-csrf-protect wants its own configuration object and error flow
for what is, here, a dozen lines on the signing library Starlette's own sessions use.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from citizen_center.config import Settings, user_data_dir

COOKIE_NAME = "c156_form"
FIELD_NAME = "csrf_token"
MAX_AGE_SECONDS = 4 * 3600  # a citizen may take a while to write and pick photos
SALT = "central156-citizen-page-form"
SECRET_FILE_NAME = "web-secret-key"


class ForgedFormError(Exception):
    """The form did not come from this site's page in this browser (or it is too old)."""


def form_secret(settings: Settings, data_dir: Path | None = None) -> str:
    """``[web] secret_key``, or a secret generated once in the data folder (mode 0600), so that
    restarts and several workers on one machine accept each other's tokens."""
    if settings.web.secret_key:
        return settings.web.secret_key
    path = (data_dir or user_data_dir()) / SECRET_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker wrote it first: use theirs
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass(frozen=True)
class FormGuard:
    secret: str
    secure_cookie: bool = False

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=SALT)

    def nonce(self, request: Request) -> str:
        """The browser's nonce, or a new one (set it on the response with ``keep``)."""
        existing = request.cookies.get(COOKIE_NAME, "")
        return existing if 16 <= len(existing) <= 64 else secrets.token_urlsafe(24)

    def token(self, nonce: str) -> str:
        return self._serializer.dumps(nonce)

    def keep(self, response: Response, nonce: str) -> None:
        response.set_cookie(
            COOKIE_NAME,
            nonce,
            max_age=MAX_AGE_SECONDS * 6,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookie,
            path="/",
        )

    def check(self, request: Request, token: str) -> None:
        cookie = request.cookies.get(COOKIE_NAME, "")
        if not cookie or not token:
            raise ForgedFormError("missing token or cookie")
        try:
            signed = self._serializer.loads(token, max_age=MAX_AGE_SECONDS)
        except BadSignature as exc:  # SignatureExpired included
            raise ForgedFormError("bad or expired token") from exc
        if not isinstance(signed, str) or not secrets.compare_digest(signed, cookie):
            raise ForgedFormError("token of another browser")
