"""A light HTTP/1.1 load generator: pre-built requests written on raw asyncio sockets.

The web bench's clients share the 2 cores with the server and the database, so what each
request costs the generator is taken from the server. httpx spent about 1 ms of Python per
request (its request and response models, header handling, the connection pool); here a request
is bytes built before the clock starts, and an answer is read as its status line, its headers up
to ``Content-Length`` and its body, about 0.1 ms. Keep-alive connections, one per client, as
httpx had them. Every answer's status is still checked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


class BadAnswer(RuntimeError):
    """An answer other than the one expected: the run stops (a benchmark of errors would lie)."""


@dataclass(frozen=True)
class Prepared:
    """One request as sent, and what the report names it by."""

    label: str
    data: bytes


def get(host: str, path: str, params: dict[str, str] | None = None) -> Prepared:
    target = f"{path}?{urlencode(params)}" if params else path
    head = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"
    return Prepared(f"GET {target}", head.encode("ascii"))


def post_form(host: str, path: str, form: dict[str, str]) -> Prepared:
    body = urlencode(form).encode("ascii")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return Prepared(f"POST {path}", head.encode("ascii") + body)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: Prepared
) -> tuple[int, bytes]:
    """Send one request, read its whole answer; (status, body)."""
    writer.write(request.data)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise BadAnswer(f"{request.label}: chunked answers are not read by this generator")
    body = await reader.readexactly(length) if length else b""
    return status, body


@dataclass
class Result:
    """What a phase measured: the wall time and each request's latency (ms)."""

    seconds: float
    latencies_ms: list[float]


async def _run(
    base: str,
    requests: Sequence[Prepared],
    clients: int,
    expect: int,
    check: Callable[[bytes], bool],
    reconnect_every: int,
) -> Result:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[float] = []
    queue = iter(requests)

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for sent, request in enumerate(queue, start=1):
                began = time.perf_counter()
                status, body = await _exchange(reader, writer, request)
                latencies.append((time.perf_counter() - began) * 1000)
                if status != expect or not check(body):
                    raise BadAnswer(f"{request.label}: {status} {body[:500]!r}")
                if reconnect_every and sent % reconnect_every == 0:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Result(time.perf_counter() - began, latencies)


def run(
    base: str,
    requests: Sequence[Prepared],
    clients: int,
    *,
    expect: int = 200,
    check: Callable[[bytes], bool] = lambda body: True,
    reconnect_every: int = 0,
) -> Result:
    """Send ``requests`` from ``clients`` concurrent connections, each taking the next one as
    soon as its last is answered; any status but ``expect`` (or a body ``check`` refuses) stops.
    With ``reconnect_every``, a client opens a new connection after that many requests, as a
    reverse proxy's or an HTTP client's pool recycles its keep-alive connections."""
    return asyncio.run(_run(base, requests, clients, expect, check, reconnect_every))
