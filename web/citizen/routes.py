"""The citizen page's routes (pt-BR, server-rendered; every form works without JavaScript).

Pages: ``/`` (what 156 is; file or follow), ``/solicitar`` (file a request, with the open ones
nearby shown first), ``/protocolo/{number}`` (follow, confirm or dispute a closure, rate; a
duplicate's page says which protocol it was merged into and links to it).
Each POST carries an anti-forgery token (``web.citizen.csrf``) and runs in one transaction.
The HTML routes stay out of the OpenAPI description, which is the Open311 API's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from citizen_center.domain.protocol import format_protocol_number, parse_protocol_number
from citizen_center.errors import CitizenCenterError, NotFoundError, ValidationError
from citizen_center.models import utcnow
from citizen_center.services import self_service
from citizen_center.services.catalogue_cache import CatalogueSnapshot, ServiceEntry
from citizen_center.services.common import Policy
from citizen_center.services.nearby import NearbyRequest, Point, open_requests_nearby
from citizen_center.services.photos import MEGABYTE, PreparedPhoto, photo_of, prepare_photo
from citizen_center.services.requests import get_request
from web.citizen.catalogue_words import words_by_service
from web.citizen.csrf import FIELD_NAME, ForgedFormError, FormGuard, form_secret
from web.citizen.forms import (
    PHOTO_FIELD,
    ClosureAnswer,
    FilingForm,
    read_closure_answer,
    read_filing,
)
from web.parts import WebParts
from web.ratelimit import RateLimitExceeded

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
DATE_FORMAT = "%d/%m/%Y"
DATE_TIME_FORMAT = "%d/%m/%Y %H:%M"
# Room for the text fields besides the photos in one POST.
FORM_OVERHEAD_BYTES = MEGABYTE
CLOSURE_ACTIONS = ("confirmar", "contestar", "avaliar")
DONE_MESSAGES = {
    "confirmar": "Obrigado! A solicitação foi concluída com a sua confirmação.",
    "contestar": "Sua contestação foi registrada: a solicitação voltou para a secretaria.",
    "avaliar": "Obrigado pela avaliação!",
}


@dataclass(frozen=True)
class ServiceChoice:
    code: str
    name: str
    keywords: str
    allows_anonymous: bool


@dataclass(frozen=True)
class Catalogue:
    """The active services as the filing form offers them, by group, and their codes."""

    groups: Mapping[str, tuple[ServiceChoice, ...]]
    codes: frozenset[str]

    @classmethod
    def of(cls, snapshot: CatalogueSnapshot) -> Catalogue:
        """The form's view of the server's catalogue snapshot (``WebParts.catalogue``)."""
        active = (s for s in snapshot.services.values() if s.active)
        groups: dict[str, list[ServiceChoice]] = defaultdict(list)
        for service in sorted(active, key=lambda s: (s.group_name, s.name)):
            groups[service.group_name].append(_choice(service))
        return cls(
            {group: tuple(choices) for group, choices in groups.items()},
            frozenset(s.code for choices in groups.values() for s in choices),
        )


def router_for(parts: WebParts) -> APIRouter:
    page = CitizenPage(parts)
    router = APIRouter(tags=["citizen page"], include_in_schema=False)
    router.add_api_route("/", page.home, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route("/solicitar", page.file_form, methods=["GET"])
    router.add_api_route("/solicitar", page.file_submit, methods=["POST"])
    router.add_api_route("/solicitar/semelhantes", page.similar, methods=["GET"])
    router.add_api_route("/acompanhar", page.follow_lookup, methods=["GET"])
    router.add_api_route("/protocolo/{number}", page.follow, methods=["GET"])
    router.add_api_route("/protocolo/{number}/fotos/{seq}", page.photo, methods=["GET"])
    router.add_api_route("/protocolo/{number}/{action}", page.closure_answer, methods=["POST"])
    router.add_api_route("/estatico/{name}", page.static, methods=["GET"])
    return router


class CitizenPage:
    def __init__(self, parts: WebParts) -> None:
        self.parts = parts
        self.web = parts.settings.web
        self.policy = Policy.from_settings(parts.settings.catalogue)
        self.guard = FormGuard(
            form_secret(parts.settings), self.web.resolved_url().startswith("https:")
        )
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.filters["data"] = self._local(DATE_FORMAT)
        self.templates.env.filters["data_hora"] = self._local(DATE_TIME_FORMAT)
        self.templates.env.filters["protocolo"] = format_protocol_number
        # The form's groups, derived once per catalogue snapshot: (snapshot, its groups).
        self._derived: tuple[CatalogueSnapshot, Catalogue] | None = None

    def _local(self, pattern: str) -> Any:
        tz = self.policy.tz
        return lambda moment: moment.astimezone(tz).strftime(pattern)

    # --- rendering ---------------------------------------------------------------------------

    def render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        """A page with a fresh anti-forgery token bound to the browser's cookie."""
        nonce = self.guard.nonce(request)
        response = self.templates.TemplateResponse(
            request,
            name,
            {**context, "csrf_field": FIELD_NAME, "csrf_token": self.guard.token(nonce)},
            status_code=status,
        )
        self.guard.keep(response, nonce)
        # Pages carry tokens (and, once, the follow code): not for shared caches.
        response.headers["Cache-Control"] = "no-store"
        return response

    def problem(self, request: Request, status: int, title: str, message: str) -> Response:
        return self.render(request, "problem.html", {"title": title, "message": message}, status)

    # --- home and filing ---------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        return self.render(request, "home.html", {"errors": {}, "protocolo": ""})

    def file_form(self, request: Request) -> Response:
        values = {"servico": request.query_params.get("servico", "")}
        return self._filing_page(request, values, {})

    def _filing_page(
        self,
        request: Request,
        values: dict[str, str],
        errors: dict[str, str],
        *,
        duplicates: list[NearbyRequest] | None = None,
        general_error: str = "",
        status: int = 200,
    ) -> Response:
        groups = self._catalogue().groups
        context = {
            "values": defaultdict(str, values),
            "errors": errors,
            "groups": groups,
            "duplicates": duplicates or [],
            "general_error": general_error,
            "max_photos": self.web.max_photos,
            "max_photo_mb": self.web.max_photo_mb,
        }
        return self.render(request, "file.html", context, status)

    def _catalogue(self) -> Catalogue:
        """Every form shows the catalogue, which changes a few times a year (db seed): from the
        server's one snapshot, the one the Open311 API files against (``[web]
        catalogue_cache_s`` old at most), not from the database on every render and submit."""
        snapshot = self.parts.catalogue.cached()
        if snapshot is None:  # a session (and a connection) only to read it again
            with self.parts.database.transaction() as session:
                snapshot = self.parts.catalogue.get(session)
        derived = self._derived
        if derived is not None and derived[0] is snapshot:
            return derived[1]
        catalogue = Catalogue.of(snapshot)
        # One assignment: threads deriving from the same snapshot at once get equal results.
        self._derived = (snapshot, catalogue)
        return catalogue

    async def file_submit(self, request: Request) -> Response:
        refused = self._over_the_limit(request) or self._refuse_oversized(request)
        if refused is not None:
            return refused
        async with request.form(max_files=self.web.max_photos + 2, max_fields=60) as form:
            forged = self._forged(request, form)
            if forged is not None:
                return forged
            catalogue = await run_in_threadpool(self._catalogue)
            parsed = read_filing(form, catalogue.codes, self.web.max_photos)
            photos = await self._prepared_photos(parsed)
            if parsed.errors:
                return await run_in_threadpool(
                    partial(
                        self._filing_page,
                        request,
                        parsed.values,
                        parsed.errors,
                        general_error=_summary(parsed),
                        status=400,
                    )
                )
            return await run_in_threadpool(self._file_or_suggest, request, parsed, photos)

    def _over_the_limit(self, request: Request) -> Response | None:
        """The per-address limit on the forms (``[web] post_rate_per_ip``), as a page."""
        try:
            self.parts.rate_limits.limit_posts_per_ip(request)
        except RateLimitExceeded as exc:
            response = self.problem(
                request,
                429,
                "Muitos envios seguidos",
                f"Recebemos muitos envios deste endereço. Tente de novo em {exc.retry_after} "
                "segundos; nada do que você já enviou se perdeu.",
            )
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        return None

    def _refuse_oversized(self, request: Request) -> Response | None:
        limit = self.web.max_photos * self.web.max_photo_mb * MEGABYTE + FORM_OVERHEAD_BYTES
        declared = request.headers.get("content-length", "")
        if not declared.isdigit():
            # Browsers always declare a form's length; a body of unknown length could fill the
            # disk the uploads are spooled to before any per-photo limit applies.
            return self.problem(
                request, 411, "Envio sem tamanho", "Envie o formulário pelo navegador."
            )
        if int(declared) <= limit:
            return None
        return self.problem(
            request,
            413,
            "Envio grande demais",
            f"O formulário passou do limite: até {self.web.max_photos} fotos de até "
            f"{self.web.max_photo_mb:g} MB cada. Volte e envie fotos menores.",
        )

    def _forged(self, request: Request, form: FormData) -> Response | None:
        token = form.get(FIELD_NAME)
        try:
            self.guard.check(request, token if isinstance(token, str) else "")
        except ForgedFormError:
            return self.problem(
                request,
                403,
                "Formulário expirado",
                "Não foi possível confirmar que este envio veio desta página (ele pode ter "
                "expirado). Volte, recarregue a página e envie de novo.",
            )
        return None

    async def _prepared_photos(self, parsed: FilingForm) -> list[PreparedPhoto]:
        """Each upload checked and re-encoded; a bad one becomes the photo field's message."""
        photos = []
        for position, upload in enumerate(parsed.photo_uploads, start=1):
            data = await _read_limited(upload, self.web.max_photo_mb)
            try:
                photos.append(
                    await run_in_threadpool(
                        prepare_photo,
                        data,
                        max_side=self.web.photo_max_side,
                        max_mb=self.web.max_photo_mb,
                        label=f"A foto {position} ({upload.filename or 'sem nome'})",
                    )
                )
            except ValidationError as exc:
                parsed.errors[PHOTO_FIELD] = str(exc)
        return photos

    def _file_or_suggest(
        self, request: Request, parsed: FilingForm, photos: list[PreparedPhoto]
    ) -> Response:
        duplicates: list[NearbyRequest] = []
        try:
            with self.parts.database.transaction() as session:
                if not parsed.ignore_duplicates:
                    duplicates = open_requests_nearby(
                        session,
                        parsed.values["servico"],
                        point=parsed.point,
                        street=parsed.values["rua"],
                        neighbourhood=parsed.values["bairro"],
                    )
                filed = (
                    None
                    if duplicates
                    else self_service.file_online(session, parsed.filing(photos), self.policy)
                )
        except ValidationError as exc:
            return self._filing_page(request, parsed.values, {}, general_error=str(exc), status=400)
        if filed is None:  # the transaction is over: nothing was written
            return self._filing_page(request, parsed.values, {}, duplicates=duplicates)
        return self.render(request, "filed.html", {"filed": filed, "photos": len(photos)})

    def similar(
        self,
        request: Request,
        servico: str = "",
        rua: str = "",
        bairro: str = "",
        latitude: str = "",
        longitude: str = "",
    ) -> Response:
        """The open requests nearby as an HTML fragment, for the page's script to show first."""
        point = _point(latitude, longitude)
        with self.parts.database.transaction() as session:
            found = open_requests_nearby(
                session, servico[:40], point=point, street=rua[:200], neighbourhood=bairro[:200]
            )
        return self.templates.TemplateResponse(
            request, "_duplicates.html", {"duplicates": found, "fragment": True}
        )

    # --- following -----------------------------------------------------------------------------

    def follow_lookup(self, request: Request, protocolo: str = "") -> Response:
        try:
            digits = parse_protocol_number(protocolo)
        except ValidationError as exc:
            errors = {"protocolo": str(exc) if protocolo else "Informe o número do protocolo."}
            return self.render(
                request, "home.html", {"errors": errors, "protocolo": protocolo[:40]}, 400
            )
        return RedirectResponse(f"/protocolo/{digits}", status_code=303)

    def follow(self, request: Request, number: str, feito: str = "") -> Response:
        return self._follow_page(request, number, done=DONE_MESSAGES.get(feito, ""))

    def _follow_page(
        self,
        request: Request,
        number: str,
        *,
        errors: dict[str, str] | None = None,
        action: str = "",
        done: str = "",
        status: int = 200,
    ) -> Response:
        try:
            with self.parts.database.transaction() as session:
                # A duplicate's view names the protocol it was merged into: the page sends the
                # citizen to that one.
                view = self_service.citizen_view(session, number, utcnow())
        except (ValidationError, NotFoundError) as exc:
            return self.problem(request, 404, "Protocolo não encontrado", str(exc))
        context = {
            "view": view,
            "errors": errors or {},
            "action": action,
            "done": done,
        }
        return self.render(request, "follow.html", context, status)

    def photo(self, number: str, seq: int) -> Response:
        try:
            with self.parts.database.transaction() as session:
                found = photo_of(session, get_request(session, number).id, seq)
                content, content_type = found.content, found.content_type
        except (ValidationError, NotFoundError):
            return Response("Foto não encontrada.", status_code=404, media_type="text/plain")
        return Response(
            content, media_type=content_type, headers={"Cache-Control": "public, max-age=86400"}
        )

    async def closure_answer(self, request: Request, number: str, action: str) -> Response:
        if action not in CLOSURE_ACTIONS:
            return self.problem(request, 404, "Página não encontrada", "Esta ação não existe.")
        # Also what keeps a follow code from being guessed by trying them all.
        refused = self._over_the_limit(request)
        if refused is not None:
            return refused
        async with request.form(max_files=0, max_fields=20) as form:
            forged = self._forged(request, form)
            if forged is not None:
                return forged
            errors: dict[str, str] = {}
            answer = read_closure_answer(form, errors, rating=action == "avaliar")
        if errors:
            return await self._follow_page_async(request, number, errors, action)
        try:
            await run_in_threadpool(self._answer, number, action, answer)
        except self_service.WrongFollowCodeError as exc:
            errors["codigo"] = str(exc)
        except NotFoundError as exc:
            return self.problem(request, 404, "Protocolo não encontrado", str(exc))
        except CitizenCenterError as exc:  # a closure already answered, a bad transition
            errors["geral"] = str(exc)
        if errors:
            return await self._follow_page_async(request, number, errors, action)
        return RedirectResponse(f"/protocolo/{number}?feito={action}", status_code=303)

    async def _follow_page_async(
        self, request: Request, number: str, errors: dict[str, str], action: str
    ) -> Response:
        """The follow page again with the answer's errors (drawn off the event loop: it reads
        the database)."""
        return await run_in_threadpool(
            partial(self._follow_page, request, number, errors=errors, action=action, status=400)
        )

    def _answer(self, number: str, action: str, answer: ClosureAnswer) -> None:
        with self.parts.database.transaction() as session:
            if action == "confirmar":
                self_service.confirm_online(session, number, answer.code)
            elif action == "contestar":
                self_service.dispute_online(session, number, answer.code, answer.reason)
            elif answer.score is not None:  # read_closure_answer reported a missing score
                self_service.rate_online(session, number, answer.code, answer.score, answer.comment)

    # --- assets --------------------------------------------------------------------------------

    def static(self, name: str) -> Response:
        path = STATIC_DIR / name
        if path.parent != STATIC_DIR or path.suffix not in STATIC_TYPES or not path.is_file():
            return Response("Não encontrado.", status_code=404, media_type="text/plain")
        return FileResponse(
            path,
            media_type=STATIC_TYPES[path.suffix],
            headers={"Cache-Control": "public, max-age=3600"},
        )


def _choice(service: ServiceEntry) -> ServiceChoice:
    """The service as the list offers it: its keywords and the words callers use for it."""
    said = words_by_service().get(service.code, ())
    return ServiceChoice(
        service.code, service.name, " ".join((*service.keywords, *said)), service.allows_anonymous
    )


def _summary(parsed: FilingForm) -> str:
    count = len(parsed.errors)
    return f"Corrija {'o campo indicado' if count == 1 else f'os {count} campos indicados'}."


def _point(latitude: str, longitude: str) -> Point | None:
    try:
        lat, lon = float(latitude), float(longitude)
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return Point(lat, lon)
    return None


async def _read_limited(upload: UploadFile, max_mb: float) -> bytes:
    """At most one byte past the limit is read, so a huge file is refused without reading it all."""
    return await upload.read(int(max_mb * MEGABYTE) + 1)
