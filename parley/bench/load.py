"""The load generator of `parley bench`: a small asyncio HTTP/1.1 client from the standard
library, browsing a page or replying through the reply form over many connections at once,
in a process of its own (`load_process`; `drive` is what the bench submits to it)."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import random
import re
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from parley.bench.shared import FORM_TOKEN, HOST, REQUEST_TIMEOUT_SECONDS

# --- The load generator (runs in a process of its own) --------------------------------------------


@dataclass(frozen=True)
class Load:
    """What one measurement asks of the server: `path` for `seconds` over `concurrency`
    connections; connection slot i sends `cookies[i % len(cookies)]` when there are any."""

    port: int
    path: str
    seconds: float
    concurrency: int
    cookies: tuple[str, ...] = ()
    unique_query: bool = False  # a new query string per request: the page cache skips it
    # Set: every request asks for the next of these instead of `path`, from a place picked at
    # random for each run (a warm-up and its measurement ask for different ones).
    paths: tuple[str, ...] = ()
    reply_path: str = ""  # set: GET `path` for the form, then POST a reply there, in turn


@dataclass
class Tally:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # of successful requests
    server_ms: list[float] = field(default_factory=list)  # as the server's Server-Timing says
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # no complete answer (connection refused or reset, timeout)
    cache_hits: int = 0
    replies: int = 0  # reply POSTs answered with the redirect to the new post
    refused: int = 0  # reply POSTs answered otherwise (the form again, a 403…)
    # (p50, p99) in seconds, from a load generator that reports percentiles, not latencies (wrk)
    percentiles: tuple[float, float] | None = None
    in_flight: int = 0  # requests sent but not answered when the client stopped

    def count(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


@dataclass
class _Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        return (self.headers.get(name) or [""])[0]


class _Connection:
    """One keep-alive HTTP/1.1 connection, opened again when the server closes it (gunicorn's
    sync workers close after every response, so most requests pay for a connect, as browsers
    talking to such a server do)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> _Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(HOST, self.port)
        reader, writer = self.streams
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        answer, reusable = await _read_answer(reader)
        if not reusable:
            self.close()
        return answer

    async def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> _Answer | None:
        """`request` within the timeout; None when no complete answer came (the connection is
        closed then, and opened again by the next request)."""
        try:
            return await asyncio.wait_for(
                self.request(method, path, headers, body), REQUEST_TIMEOUT_SECONDS
            )
        except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, TimeoutError):
            self.close()
            return None

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _read_answer(reader: asyncio.StreamReader) -> tuple[_Answer, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers: dict[str, list[str]] = {}
    for line in head[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.setdefault(name.strip().lower(), []).append(value.strip())
    reusable = "close" not in (headers.get("connection") or [""])[0].lower()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"][0]))
    elif "chunked" in (headers.get("transfer-encoding") or [""])[0].lower():
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(chunks)
    else:
        body, reusable = await reader.read(), False
    return _Answer(status, headers, body), reusable


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def take_cookies(jar: dict[str, str], set_cookies: list[str]) -> None:
    for line in set_cookies:
        name, _, rest = line.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


async def _browse(load: Load, slot: int, deadline: float, tally: Tally, start: int) -> None:
    connection = _Connection(load.port)
    cookie = load.cookies[slot % len(load.cookies)] if load.cookies else ""
    headers = {"Cookie": cookie} if cookie else {}
    sent = 0
    while time.monotonic() < deadline:
        path = load.path
        if load.paths:
            path = load.paths[(start + sent * load.concurrency + slot) % len(load.paths)]
        if load.unique_query:
            path += f"{'&' if '?' in path else '?'}bench={slot}-{sent}"
        sent += 1
        started = time.perf_counter()
        answer = await connection.send("GET", path, headers)
        if answer is None:
            tally.errors += 1
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.count(answer.status)
        tally.cache_hits += answer.header("x-parley-page-cache") == "hit"
        _take_server_time(tally, answer)
    connection.close()


async def _reply(load: Load, slot: int, deadline: float, tally: Tally, start: int) -> None:
    """A member replying again and again through the reply form: the thread page once (for the
    form's CSRF token, which stays good for the session), then the form's POST with a new text
    and client token each time, as the browser sends it. After a refusal the page is read
    again. The redirect to the new post is not followed: the pages are measured on their own."""
    connection = _Connection(load.port)
    jar: dict[str, str] = {}
    take_cookies(jar, load.cookies[slot % len(load.cookies)].split("; "))
    token: bytes | None = None
    sent = 0
    while time.monotonic() < deadline:
        if token is None:
            page = await connection.send("GET", load.path, {"Cookie": cookie_header(jar)})
            if page is None:
                tally.errors += 1
                continue
            take_cookies(jar, page.headers.get("set-cookie", []))
            found = FORM_TOKEN.search(page.body)
            if page.status != 200 or found is None:
                tally.count(page.status)
                tally.refused += 1
                continue
            token = found[1]
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.decode(),
                "client_token": uuid.uuid4().hex,
                "body": f"Bench reply {sent} from slot {slot}: the load was fine.",
            }
        ).encode()
        sent += 1
        headers = {
            "Cookie": cookie_header(jar),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        started = time.perf_counter()
        answer = await connection.send("POST", load.reply_path, headers, form)
        if answer is None:
            tally.errors += 1
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.count(answer.status)
        _take_server_time(tally, answer)
        if answer.status == 302:
            tally.replies += 1
        else:
            tally.refused += 1
            token = None
    connection.close()


SERVER_TIMING = re.compile(r"\bapp;dur=([0-9.]+)")


def _take_server_time(tally: Tally, answer: _Answer) -> None:
    if found := SERVER_TIMING.search(answer.header("server-timing")):
        tally.server_ms.append(float(found[1]))


async def _drive_all(load: Load) -> Tally:
    tally = Tally()
    started = time.monotonic()
    deadline = started + load.seconds
    client = _reply if load.reply_path else _browse
    start = random.randrange(len(load.paths)) if load.paths else 0  # noqa: S311 - not a secret
    await asyncio.gather(
        *(client(load, slot, deadline, tally, start) for slot in range(load.concurrency))
    )
    tally.seconds = time.monotonic() - started
    return tally


def drive(load: Load) -> Tally:
    """Run in the load process (see `load_process`)."""
    return asyncio.run(_drive_all(load))


@contextlib.contextmanager
def load_process() -> Iterator[ProcessPoolExecutor]:
    """A second process for the client, so it does not share an interpreter with the one
    counting queries; started fresh (spawn), with no Django in it."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex
