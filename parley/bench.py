"""`parley bench` (`make bench`): the production server under load, page by page.

Seeds a board in bulk (`parley.seed`: 200,000 posts with one 20,000-post thread; `--size large`
2 million with one of 100,000; `--quick` a small one), starts `parley serve` on a free port with
a few workers, and drives it over HTTP from a second process (a small asyncio HTTP/1.1 client
from the standard library: `--concurrency` connections, `--seconds` per page). For every page:
requests per second, p50 and p99 latency, and the ratio to a baseline measured on the same
server in the same run (fixed bytes of the thread page's size through the whole middleware
stack: `parley/bench_baseline.py`, mounted only on a server the bench starts). A ratio of 3
means a request for that page costs three baseline requests; a ratio that grows between commits
is a regression, the absolute figures hold for this machine and moment only.

Guest pages are rendered for every request (a unique query string each time: the guest page
cache skips such URLs) but for `thread_page_1_cached`, the plain URL as the cache serves it.
Members log in through the real login form and send their session cookie. SQL queries per page
are counted in this process with Django's test client against the same database (the server
cannot report them). Then members reply through the real reply form at once for a few seconds,
and the posts are counted in the database: `lost_replies` must be 0. The server's posting gate
is opened for that (`POSTING_GATE`: no flood interval, no duplicate check), and the output says
so. Worker RSS is read from /proc at the end.

`--data-dir` keeps the data directory (and on SQLite the board) for the next run: seeding the
default board takes about a minute. The database is whatever PARLEY_DATABASE_URL and
PARLEY_REDIS_URL say (SQLite and the disk cache when unset); a database that already holds a
board is benchmarked as it is. `--json PATH` writes the figures.

`--quick` (run by tests/test_bench.py, so the benchmark cannot rot) takes well under a minute
and its figures mean little. `--in-process` runs the older in-process timings (page renders,
presence ticks, the renderer; `--profile` for the thread page), at the end of this module."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import cProfile
import http.client
import json
import logging
import multiprocessing
import os
import pstats
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from parley import bench_baseline
from parley.core import datadir, knobs, processes

BENCH_PASSWORD = "bench-pass-123!"  # noqa: S105 - throwaway members of a benchmark board
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 120.0  # migrations on a fresh PostgreSQL database on a busy machine
STOP_GRACE_SECONDS = 10.0
REQUEST_TIMEOUT_SECONDS = 30.0
# The posting gate as the bench's server runs it: members reply as fast as they can, with texts
# alike, which flood control and the duplicate check would (rightly) refuse from people.
POSTING_GATE = {
    "PARLEY_FLOOD_SECONDS": "0",
    "PARLEY_NEWCOMER_FLOOD_SECONDS": "0",
    "PARLEY_DUPLICATE_MINUTES": "0",
    "PARLEY_APPROVAL_FIRST_POSTS": "0",
}
POSTING_THREAD_TITLE = "Bench replies"
FORM_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Size:
    name: str
    members: int
    threads: int
    posts: int
    long_thread: int
    seconds: float  # measured per page
    warmup: float  # per page, before measuring
    concurrency: int
    posting_members: int
    posting_seconds: float


SIZES = {
    "default": Size("default", 5_000, 40_000, 200_000, 20_000, 5.0, 1.0, 8, 16, 5.0),
    "large": Size("large", 20_000, 200_000, 2_000_000, 100_000, 5.0, 1.0, 8, 16, 5.0),
    "quick": Size("quick", 200, 400, 3_000, 400, 0.3, 0.1, 4, 6, 1.0),
}
FORUM_DEEP_PAGE = 500


class BenchError(Exception):
    """The run cannot go on (the server did not start, a login failed…): said, not traced."""


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


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _take_cookies(jar: dict[str, str], set_cookies: list[str]) -> None:
    for line in set_cookies:
        name, _, rest = line.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


async def _browse(load: Load, slot: int, deadline: float, tally: Tally) -> None:
    connection = _Connection(load.port)
    cookie = load.cookies[slot % len(load.cookies)] if load.cookies else ""
    headers = {"Cookie": cookie} if cookie else {}
    sent = 0
    while time.monotonic() < deadline:
        path = load.path
        if load.unique_query:
            path += f"{'&' if '?' in path else '?'}bench={slot}-{sent}"
        sent += 1
        started = time.perf_counter()
        try:
            answer = await asyncio.wait_for(
                connection.request("GET", path, headers), REQUEST_TIMEOUT_SECONDS
            )
        except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, TimeoutError):
            tally.errors += 1
            connection.close()
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.count(answer.status)
        tally.cache_hits += answer.header("x-parley-page-cache") == "hit"
        _take_server_time(tally, answer)
    connection.close()


async def _reply(load: Load, slot: int, deadline: float, tally: Tally) -> None:
    """A member replying again and again through the reply form: the thread page once (for the
    form's CSRF token, which stays good for the session), then the form's POST with a new text
    and client token each time, as the browser sends it. After a refusal the page is read
    again. The redirect to the new post is not followed: the pages are measured on their own."""
    connection = _Connection(load.port)
    jar: dict[str, str] = {}
    _take_cookies(jar, load.cookies[slot % len(load.cookies)].split("; "))
    token: bytes | None = None
    sent = 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            if token is None:
                page = await asyncio.wait_for(
                    connection.request("GET", load.path, {"Cookie": _cookie_header(jar)}),
                    REQUEST_TIMEOUT_SECONDS,
                )
                _take_cookies(jar, page.headers.get("set-cookie", []))
                found = FORM_TOKEN.search(page.body)
                if page.status != 200 or found is None:
                    tally.count(page.status)
                    tally.refused += 1
                    continue
                token = found[1]
                started = time.perf_counter()
            form = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.decode(),
                    "client_token": uuid.uuid4().hex,
                    "body": f"Bench reply {sent} from slot {slot}: the load was fine.",
                }
            ).encode()
            sent += 1
            headers = {
                "Cookie": _cookie_header(jar),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            answer = await asyncio.wait_for(
                connection.request("POST", load.reply_path, headers, form),
                REQUEST_TIMEOUT_SECONDS,
            )
        except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, TimeoutError):
            tally.errors += 1
            connection.close()
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
    await asyncio.gather(*(client(load, slot, deadline, tally) for slot in range(load.concurrency)))
    tally.seconds = time.monotonic() - started
    return tally


def drive(load: Load) -> Tally:
    """Run in the load process (see `_load_process`)."""
    return asyncio.run(_drive_all(load))


@contextlib.contextmanager
def _load_process() -> Iterator[ProcessPoolExecutor]:
    """A second process for the client, so it does not share an interpreter with the one
    counting queries; started fresh (spawn), with no Django in it."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


# --- Figures --------------------------------------------------------------------------------------


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    queries: int | None
    ratio: float = 0.0
    errors: int = 0  # requests without a complete answer, or with an unexpected status
    cache_hit_share: float | None = None
    url: str = ""
    requests: int = 0  # measured requests answered (warm-up requests not counted)
    # The median time the application spent on a request (its Server-Timing header): the
    # latencies above add the wait for a free worker.
    server_p50_ms: float = 0.0


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _figures(tally: Tally, url: str, queries: int | None, expected: int = 200) -> Figures:
    good = tally.statuses.get(expected, 0)
    return Figures(
        rps=good / tally.seconds if tally.seconds else 0.0,
        p50_ms=_percentile(tally.latencies, 0.50) * 1000,
        p99_ms=_percentile(tally.latencies, 0.99) * 1000,
        queries=queries,
        errors=tally.errors + sum(n for s, n in tally.statuses.items() if s != expected),
        cache_hit_share=tally.cache_hits / good if good else None,
        url=url,
        requests=sum(tally.statuses.values()),
        server_p50_ms=statistics.median(tally.server_ms) if tally.server_ms else 0.0,
    )


# --- The server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


class Server:
    """`parley serve` in a process group of its own, its output in the data directory."""

    def __init__(self, env: dict[str, str], data_dir: Path, workers: int) -> None:
        self.env, self.workers = env, workers
        self.log_path = data_dir / "bench-server.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        for _attempt in range(3):  # a free port can be taken between asking and binding
            self.port = _free_port()
            if self._launch():
                return
        raise BenchError(f"`parley serve` did not start:\n{self.log_tail()}")

    def _launch(self) -> bool:
        argv = [sys.executable, "-m", "parley.cli", "serve", "--host", HOST]
        argv += ["--port", str(self.port), "--workers", str(self.workers)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, stopped as a whole
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "Address already in use" in self.log_tail():
                    return False
                raise BenchError(f"`parley serve` exited:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_request(self.port, "GET", "/", {})[0] == 200:
                    return True
            time.sleep(0.2)
        raise BenchError(f"`parley serve` did not answer in time:\n{self.log_tail()}")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker: the master's children (renamed `gunicorn:
        worker` when setproctitle is installed) but the job consumer (`--parent-pid`)."""
        if self.process is None:
            return []
        master, sizes = self.process.pid, []
        for pid, parent in processes.parents().items():
            with contextlib.suppress(OSError):
                if (
                    parent == master
                    and b"--parent-pid" not in Path(f"/proc/{pid}/cmdline").read_bytes()
                ):
                    size = _rss_mb(pid)
                    sizes += [] if size is None else [size]
        return sizes

    def stop(self) -> None:
        """gunicorn stops its workers and `parley serve` its job consumer; what is left after
        the grace period is killed, by group and then by pid."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        family = processes.descendants(process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def http_request(
    port: int, method: str, path: str, jar: dict[str, str], form: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """One plain request from this process (start-up probe, logins); cookies kept in `jar`."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        headers = {"Cookie": _cookie_header(jar)} if jar else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        _take_cookies(jar, response.msg.get_all("Set-Cookie") or [])
        return response.status, response.read()
    finally:
        connection.close()


def log_in(port: int, username: str, session_cookie: str) -> str:
    """Through the login form, as a browser does; the Cookie header the member then sends."""
    jar: dict[str, str] = {}
    status, page = http_request(port, "GET", "/login/", jar)
    token = FORM_TOKEN.search(page)
    if status != 200 or token is None:
        raise BenchError(f"The login page answered {status} without a form.")
    form = {"username": username, "password": BENCH_PASSWORD, "next": "/"}
    status, _ = http_request(
        port, "POST", "/login/", jar, form | {"csrfmiddlewaretoken": token[1].decode()}
    )
    if status != 302 or session_cookie not in jar:
        raise BenchError(f"Logging in as {username} failed ({status}).")
    return _cookie_header(jar)


# --- The board ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    pages: dict[str, str]  # measured page name: URL
    members: list[str]  # bench members' usernames (password BENCH_PASSWORD)
    posting_thread_id: int
    posting_url: str


def _environments(data_dir: Path, token: str) -> tuple[dict[str, str], dict[str, str]]:
    """(this process's variables, the server's): the same board, cache, posting gate and
    baseline token; only the server runs the background flusher."""
    shared = {
        **os.environ,
        "PARLEY_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "parley.settings",
        "PARLEY_ALLOWED_HOSTS": HOST,
        "PARLEY_SECURE_COOKIES": "0",  # plain HTTP on loopback
        **POSTING_GATE,
    }
    shared.pop(bench_baseline.ENV, None)
    # Query counts are taken request by request here: no background writes in between.
    here = shared | {"PARLEY_BACKGROUND_FLUSH": "0", bench_baseline.ENV: token}
    server = shared | {bench_baseline.ENV: token, "PYTHONUNBUFFERED": "1"}
    return here, server


def _django_here(env: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(env)
    datadir.prepare()  # the secret key, as the `parley` command makes it
    # Django loads only after the environment above is set.
    import django

    django.setup()
    # Imported here, after django.setup(): the settings are configured only now.
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages name hashed files
    # As in Django's test runner: one connection for the run, so query capture sees every query.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logging.getLogger("django.request").setLevel(logging.ERROR)


def _prepare_board(size: Size) -> Board:
    """Seed the board unless the database has one, then add what the bench needs beside it:
    members with a known password and a thread for them to reply to."""
    # Imported here, after _django_here(): parley's modules need the app registry.
    from parley.accounts.models import Member
    from parley.accounts.services import register_member
    from parley.forums import services
    from parley.forums.models import Forum, Thread
    from parley.seed import ProgressLine, seed_board

    if Thread.objects.exists():
        print("The database already holds a board: benchmarking it as it is.", flush=True)
    else:
        print(
            f"Seeding {size.posts:,} posts in {size.threads:,} threads, one of "
            f"{size.long_thread:,} posts …",
            flush=True,
        )
        seed_board(
            members=size.members,
            threads=size.threads,
            posts=size.posts,
            long_thread=size.long_thread,
            progress=ProgressLine(),
        )
    names = [f"Bencher {i}" for i in range(size.posting_members)]
    existing = set(Member.objects.filter(username__in=names).values_list("username", flat=True))
    joined = None
    for i, name in enumerate(names):
        if name not in existing:
            joined = joined or (Member.objects.order_by("date_joined").first())
            register_member(
                username=name,
                email=f"bencher{i}@bench.example.org",
                password=BENCH_PASSWORD,
                joined_at=joined.date_joined if joined else None,
            )
    forum = Forum.objects.order_by("-thread_count", "id").first()
    if forum is None:
        raise BenchError("The board has no forum.")
    posting = Thread.objects.filter(title=POSTING_THREAD_TITLE, author__username=names[0]).first()
    if posting is None:
        author = Member.objects.get(username=names[0])
        posting = services.create_thread(
            actor=author, forum=forum, title=POSTING_THREAD_TITLE, body="Reply below, fast."
        )
    long = Thread.objects.exclude(pk=posting.pk).order_by("-last_position", "id").first()
    top_poster = Member.objects.exclude(username__in=names).order_by("-message_count").first()
    if long is None or top_poster is None:
        raise BenchError("The board has no thread or no member.")
    thread_pages = max(1, -(-long.last_position // knobs.POSTS_PER_PAGE.get()))
    forum_pages = max(1, -(-forum.thread_count // knobs.THREADS_PER_PAGE.get()))
    deep = min(FORUM_DEEP_PAGE, forum_pages)
    # A word of the long thread's title: found, and in a title (both weights matched).
    word = next(iter(re.findall(r"[a-z]{5,}", long.title.lower())), "reply")
    forum_url = forum.get_absolute_url()
    pages = {
        "index": "/",
        "forum_page_1": forum_url,
        f"forum_page_{FORUM_DEEP_PAGE}": forum_url if deep == 1 else f"{forum_url}page-{deep}",
        "thread_page_1": long.get_absolute_url(),
        "thread_page_1_cached": long.get_absolute_url(),
        "thread_page_1_member": long.get_absolute_url(),
        "thread_last_page": long.page_url(thread_pages),
        "whats_new": "/whats-new/",
        "search": "/search/?" + urllib.parse.urlencode({"q": word}),
        "member_profile": top_poster.get_absolute_url(),
    }
    if deep < FORUM_DEEP_PAGE:
        print(f"(The busiest forum has {forum_pages} pages: page {deep} stands for page 500.)")
    return Board(pages, names, posting.pk, posting.get_absolute_url())


def _count_queries(board: Board, token: str) -> tuple[dict[str, int], int]:
    """Queries per page in this process, with Django's test client on the same database (the
    second request of each: the first warms per-process caches), the baseline's among them
    (sized as the thread page, whose size is returned too)."""
    # Imported here, after _django_here(): parley's modules need the app registry.
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from parley.accounts.models import Member

    guest, member = Client(HTTP_HOST=HOST), Client(HTTP_HOST=HOST)
    member.force_login(Member.objects.get(username=board.members[0]))
    counts, size = {}, 0
    for name, url in board.pages.items():
        client = member if name.endswith("_member") else guest
        with override_settings(PARLEY_GUEST_PAGE_CACHE=name.endswith("_cached")):
            first = client.get(url)
            if first.status_code != 200:
                raise BenchError(f"{name} ({url}) answered {first.status_code} in-process.")
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
        counts[name] = len(queries.captured_queries)
        if name == "thread_page_1":
            size = len(first.content)
    baseline = bench_baseline.baseline_path(token, size)
    guest.get(baseline)
    with CaptureQueriesContext(connection) as queries:
        if guest.get(baseline).status_code != 200:
            raise BenchError("The baseline page is missing in-process.")
    counts["baseline"] = len(queries.captured_queries)
    return counts, size


def _count_posts(thread_id: int) -> tuple[int, int]:
    """(rows, the thread's reply count) as the database has them now."""
    # Imported here, after _django_here(): parley's modules need the app registry.
    from parley.forums.models import Post, Thread

    return (
        Post.objects.filter(thread_id=thread_id).count(),
        Thread.objects.values_list("reply_count", flat=True).get(pk=thread_id),
    )


def _engine() -> str:
    # Imported here, after _django_here(): the settings are configured only now.
    from django.conf import settings
    from django.db import connection

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"{connection.vendor} + {cache}"


# --- The run --------------------------------------------------------------------------------------


def _measure(
    loader: ProcessPoolExecutor, load: Load, warmup: float, queries: int | None
) -> Figures:
    if warmup > 0:
        loader.submit(drive, Load(**{**asdict(load), "seconds": warmup})).result()
    return _figures(loader.submit(drive, load).result(), load.path, queries)


def run(args: argparse.Namespace) -> dict[str, Any]:
    size = SIZES["quick" if args.quick else args.size]
    seconds = args.seconds or size.seconds
    concurrency = args.concurrency or size.concurrency
    kept = args.data_dir is not None
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="parley-bench-")).resolve()
    chosen = set(args.pages.split(",")) if args.pages else None
    token = secrets.token_hex(16)
    here, server_env = _environments(data_dir, token)
    _django_here(here)
    board = _prepare_board(size)
    queries, page_bytes = _count_queries(board, token)
    engine = _engine()
    server = Server(server_env, data_dir, args.workers)
    try:
        print(f"Starting `parley serve` with {args.workers} workers ({engine}) …", flush=True)
        server.start()
        # Imported here, after _django_here(): the settings are configured only now.
        from django.conf import settings

        cookies = tuple(
            log_in(server.port, name, settings.SESSION_COOKIE_NAME) for name in board.members
        )
        with _load_process() as loader:
            print(
                f"Driving it: {concurrency} connections, {seconds:g} s per page, from a second "
                "process …",
                flush=True,
            )
            warmup = size.warmup
            baseline = _measure(
                loader,
                Load(
                    server.port,
                    bench_baseline.baseline_path(token, page_bytes),
                    seconds,
                    concurrency,
                ),
                warmup,
                queries["baseline"],
            )
            baseline.ratio = 1.0
            pages: dict[str, Figures] = {}
            for name, url in board.pages.items():
                if chosen is not None and name not in chosen:
                    continue
                load = Load(
                    server.port,
                    url,
                    seconds,
                    concurrency,
                    cookies=cookies if name.endswith("_member") else (),
                    unique_query=not name.endswith(("_cached", "_member")),
                )
                pages[name] = _measure(loader, load, warmup, queries[name])
                pages[name].ratio = baseline.rps / pages[name].rps if pages[name].rps else 0.0
            before = _count_posts(board.posting_thread_id)
            posting_url = board.posting_url
            tally = Tally()
            if chosen is None or "posting" in chosen:
                tally = loader.submit(
                    drive,
                    Load(
                        server.port,
                        posting_url,
                        size.posting_seconds,
                        len(cookies),
                        cookies=cookies,
                        reply_path=posting_url + "reply",
                    ),
                ).result()
        after = _count_posts(board.posting_thread_id)
        rss = server.worker_rss_mb()
    finally:
        server.stop()
        if not kept:
            shutil.rmtree(data_dir, ignore_errors=True)
    added = after[0] - before[0]
    posting = _figures(tally, posting_url, None, expected=302)
    return {
        "engine": engine,
        "size": size.name,
        "workers": args.workers,
        "concurrency": concurrency,
        "seconds_per_page": seconds,
        "posting_gate": POSTING_GATE,
        "baseline_bytes": page_bytes,
        "baseline_rps": baseline.rps,
        "baseline": asdict(baseline),
        "pages": {name: asdict(figures) for name, figures in pages.items()},
        "replies": tally.replies,
        "replies_refused": tally.refused,
        "replies_unanswered": tally.errors,
        "replies_per_s": tally.replies / tally.seconds if tally.seconds else 0.0,
        "reply_p50_ms": posting.p50_ms,
        "reply_p99_ms": posting.p99_ms,
        "reply_server_p50_ms": posting.server_p50_ms,
        "posts_added": added,
        "reply_count_added": after[1] - before[1],
        "lost_replies": max(0, tally.replies - added),
        "extra_posts": max(0, added - tally.replies),
        "worker_rss_mb": max(rss, default=0.0),
        # What the workers had served by then, the measured requests only (about as many
        # again went to warm-ups and query counts).
        "requests_served": baseline.requests
        + sum(figures.requests for figures in pages.values())
        + posting.requests,
        "worker_rss_mb_each": rss,
    }


def print_report(result: dict[str, Any]) -> None:
    print(
        f"\n{result['engine']}, {result['workers']} workers, {result['concurrency']} connections, "
        f"{result['seconds_per_page']:g} s a page. Ratio: a request's cost in baseline requests "
        f"({result['baseline_bytes']:,} bytes through the middleware stack, the thread page's "
        "size). Guest pages rendered each time (unique query strings) but *_cached. Server "
        "ms: the median of the server's own Server-Timing (p50 and p99 add the wait for a "
        "free worker).\n"
    )
    print(
        f"{'page':<24}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'server ms':>10}{'ratio':>8}"
        f"{'queries':>9}"
    )
    rows = [("baseline", result["baseline"]), *result["pages"].items()]
    for name, page in rows:
        extra = f"  ({page['errors']} errors)" if page["errors"] else ""
        if page["cache_hit_share"] is not None and name.endswith("_cached"):
            extra += f"  ({page['cache_hit_share']:.0%} cache hits)"
        ratio = 1.0 if name == "baseline" else page["ratio"]
        print(
            f"{name:<24}{page['rps']:>9.1f}{page['p50_ms']:>9.1f}{page['p99_ms']:>9.1f}"
            f"{page['server_p50_ms']:>10.1f}{ratio:>8.2f}{page['queries']:>9}{extra}"
        )
    gate = ", ".join(f"{k}={v}" for k, v in result["posting_gate"].items())
    print(
        f"\nPosting ({len(result['worker_rss_mb_each'])} workers; the server ran with {gate}): "
        f"{result['replies']} replies in all, {result['replies_per_s']:.1f} replies/s, "
        f"p50 {result['reply_p50_ms']:.1f} ms, p99 {result['reply_p99_ms']:.1f} ms (the POST; "
        f"server {result['reply_server_p50_ms']:.1f} ms); "
        f"{result['replies_refused']} refused, {result['replies_unanswered']} unanswered."
    )
    print(
        f"Recount: {result['posts_added']} posts added (reply count +"
        f"{result['reply_count_added']}): {result['lost_replies']} lost, "
        f"{result['extra_posts']} extra."
    )
    each = ", ".join(f"{mb:.0f}" for mb in result["worker_rss_mb_each"])
    print(
        f"Worker RSS at the end: {each} MB, after {result['requests_served']:,} measured requests."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="parley bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", choices=["default", "large"], default="default")
    parser.add_argument(
        "--quick", action="store_true", help="small board, brief runs: checks it runs (tests)"
    )
    parser.add_argument("--data-dir", help="keep (or reuse) the data directory and its board")
    parser.add_argument("--json", metavar="PATH", help="write the figures there")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--concurrency", type=int, help="connections at once")
    parser.add_argument("--seconds", type=float, help="measured seconds per page")
    parser.add_argument(
        "--pages",
        help="comma-separated page names to measure (default: all; `posting` is the posting "
        "workload, `none` measures the baseline alone)",
    )
    parser.add_argument(
        "--in-process", action="store_true", help="the older in-process timings instead"
    )
    parser.add_argument("--profile", action="store_true", help="with --in-process: cProfile")
    parser.add_argument("--sort", default="tottime", help="pstats sort key for --profile")
    args = parser.parse_args(argv)
    if args.in_process:
        if args.data_dir:
            os.environ["PARLEY_DATA_DIR"] = args.data_dir
        in_process_main(args)
        return 0
    try:
        result = run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}.")
    return 0


# --- In process (`--in-process`) ------------------------------------------------------------------


@dataclass(frozen=True)
class InProcessScale:
    threads: int  # besides the big one
    posts_in_big_thread: int
    rounds: int  # timed requests per figure (the median is printed)
    guest_flood: int  # presence rows of invented guests


IN_PROCESS_FULL = InProcessScale(
    threads=60, posts_in_big_thread=2_000, rounds=30, guest_flood=100_000
)
# Three pages of posts, so the last page is not the first.
IN_PROCESS_QUICK = InProcessScale(threads=5, posts_in_big_thread=45, rounds=3, guest_flood=3_000)


def _setup() -> None:
    os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    os.environ.setdefault("PARLEY_ALLOWED_HOSTS", "testserver")
    # Ticks are measured one by one below; a background flusher would write in between.
    os.environ.setdefault("PARLEY_BACKGROUND_FLUSH", "0")
    datadir.prepare()  # the secret key, as the `parley` command makes it
    # Django loads only after the environment above is set.
    import django

    django.setup()
    # Imported here, after django.setup(): the settings are configured only now.
    from django.conf import settings
    from django.core.management import call_command

    # The board is built by a few members posting the same text fast, which the posting gate
    # (rightly) refuses from people.
    settings.PARLEY_FLOOD_SECONDS = settings.PARLEY_NEWCOMER_FLOOD_SECONDS = 0
    settings.PARLEY_DUPLICATE_MINUTES = 0
    settings.PARLEY_APPROVAL_FIRST_POSTS = 0

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # As in Django's own test runner: keep one connection for the run (so query capture sees
    # every query) and keep the 404 baseline out of the log.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logging.getLogger("django.request").setLevel(logging.ERROR)


def _build_board(scale: InProcessScale) -> dict[str, str]:
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.db import transaction

    from parley.accounts.services import register_member
    from parley.forums import services
    from parley.forums.services.structure import create_category, create_forum, create_prefix

    members = [
        register_member(username=f"Bencher {i}", email=f"b{i}@example.org", password=BENCH_PASSWORD)
        for i in range(10)
    ]
    forum = create_forum(category=create_category(title="Bench"), title="Busy forum")
    prefix = create_prefix(title="Analysis", colour="blue")
    body = (
        "A **fairly** typical reply with a [url=https://example.org/a]link[/url], some *emphasis*\n"
        'and a second paragraph.\n\n[quote="Bencher 1, post: 1, member: 1"]Quoted text[/quote]\n'
        "- a list\n- of points\n"
    )
    with transaction.atomic():
        for i in range(scale.threads):
            services.create_thread(
                actor=members[i % 10], forum=forum, title=f"Thread {i}", body=body
            )
        big = services.create_thread(
            actor=members[0], forum=forum, title="The big one", body=body, prefix=prefix
        )
        for i in range(scale.posts_in_big_thread - 1):
            services.reply_to_thread(actor=members[i % 10], thread=big, body=body)
    last_page = -(-scale.posts_in_big_thread // 20)
    return {
        "forum index": "/",
        "forum page": forum.get_absolute_url(),
        "thread page 1": big.get_absolute_url(),
        f"thread page {last_page}": big.page_url(last_page),
    }


def _presence_tick() -> None:
    """What one worker's background flusher does each second on a busy board: store the 100
    visits it buffered (database backend; Redis stores visits as responses close instead)."""
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.activity.presence.backends import Visit, get_backend
    from parley.activity.presence.visitors import GUEST, Visitor

    backend = get_backend()
    now = timezone.now()
    for i in range(100):
        visitor = Visitor(key=f"g:bench{i}", kind=GUEST)
        backend.record(Visit(visitor, "thread", i, now))
    backend.flush()


def _store_guest_flood(rows: int, thread_id: int) -> None:
    """`rows` guest presence rows, as a flood of invented guests from as many networks leaves
    them before any trim: stored directly, a third on the measured thread, the rest elsewhere,
    seen over the last ten minutes."""
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.activity.models import Presence

    now = timezone.now()
    places = [("thread", thread_id), ("index", None), ("forum", 1)]
    Presence.objects.bulk_create(
        (
            Presence(
                visitor_key=f"g:flood{i:027x}",
                kind="guest",
                location_kind=places[i % 3][0],
                location_id=places[i % 3][1],
                seen_at=now - timedelta(milliseconds=6 * i),
            )
            for i in range(rows)
        ),
        batch_size=2_000,
    )


def _time_record_into(guests: int) -> float:
    """Seconds per visit recorded into a database-backend buffer already holding `guests`, as
    after a long database outage with steady traffic: the oldest waiting visits are leaving the
    online window at the pace new ones arrive."""
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.utils import timezone

    from parley.activity.presence.backends import Visit
    from parley.activity.presence.backends.db import DatabaseBackend
    from parley.activity.presence.visitors import GUEST, Visitor
    from parley.activity.presence.window import window

    backend, now, ms = DatabaseBackend(), timezone.now(), timedelta(milliseconds=1)
    for i in range(guests):
        at = now - window() + (i - 1) * ms
        backend.record(Visit(Visitor(key=f"g:held{i}", kind=GUEST), "index", None, at))
    visits = [
        Visit(Visitor(key=f"g:new{i}", kind=GUEST), "index", None, now + i * ms)
        for i in range(2_000)
    ]
    start = time.perf_counter()
    for v in visits:
        backend.record(v)
    return (time.perf_counter() - start) / len(visits)


def _time(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm caches and templates
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def in_process_main(args: argparse.Namespace) -> None:
    """Timings taken in this process with Django's test client: page renders (as a ratio to a
    404 page in the site layout), presence ticks, a guest flood, the renderer."""
    scale = IN_PROCESS_QUICK if args.quick else IN_PROCESS_FULL
    rounds = scale.rounds
    _setup()
    # Imported here, after _setup(): parley's modules need the app registry.
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from parley.core.markup import render_post

    print(f"Building a board with a {scale.posts_in_big_thread}-post thread …", flush=True)
    pages = _build_board(scale)
    client = Client()
    baseline = _time(lambda: client.get("/no-such-page/"), rounds)
    print(f"\nbaseline (404 page in the site layout): {baseline * 1000:.2f} ms\n")
    print(f"{'page (guest)':<22}{'ms':>8}{'ratio':>8}{'queries':>9}")
    for name, url in pages.items():
        # Rendered every time, then as the guest page cache serves it.
        for label, cached in ((name, False), (f"{name}, cached", True)):
            with override_settings(PARLEY_GUEST_PAGE_CACHE=cached):
                assert client.get(url).status_code == 200, url
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                query_count = len(queries.captured_queries)
                took = _time(partial(client.get, url), rounds)
            print(f"{label:<22}{took * 1000:>8.2f}{took / baseline:>8.2f}{query_count:>9}")
    took = _time(_presence_tick, rounds=max(rounds, 50 * rounds // IN_PROCESS_FULL.rounds))
    print(f"{'presence tick, 100':<22}{took * 1000:>8.2f}{took / baseline:>8.2f}{'-':>9}")
    # Imported here, after _setup(): parley's modules need the app registry.
    from parley.activity.presence.backends import db as presence_db

    # A visit costs the same whether the buffer is empty or full (then it drops the oldest).
    for label, held in (
        ("visit, empty buffer", 10),
        ("visit, full buffer", presence_db.MAX_PENDING),
    ):
        took = _time_record_into(held)
        print(f"{label:<22}{took * 1000:>8.4f}{took / baseline:>8.4f}{'-':>9}")
    # Pages read presence (the index's online block, a thread's viewers): a flood of invented
    # guests must leave them as fast as with a few, so each is timed just before and after.
    flood, flooded = scale.guest_flood, {"forum index": "index", "thread page 1": "thread 1"}
    uncached = override_settings(PARLEY_GUEST_PAGE_CACHE=False)  # presence is read either way
    uncached.enable()
    few = {name: _time(partial(client.get, pages[name]), rounds) for name in flooded}
    _store_guest_flood(flood, thread_id=int(pages["thread page 1"].rstrip("/").rsplit(".", 1)[1]))
    for name, short in flooded.items():
        took = _time(partial(client.get, pages[name]), rounds)
        for label, ms in (
            (f"{short}, few guests", few[name]),
            (f"{short}, +{flood // 1000}k guests", took),
        ):
            print(f"{label:<22}{ms * 1000:>8.2f}{ms / baseline:>8.2f}{'-':>9}")
    sample = 'Some **markup** with a [quote="x"]quote[/quote] and https://example.org\n' * 25
    took = _time(lambda: render_post(sample), rounds=200 * rounds // IN_PROCESS_FULL.rounds)
    print(f"{'render 2 KB post':<22}{took * 1000:>8.2f}{took / baseline:>8.2f}{'-':>9}")
    if args.profile:  # the guest's thread page as rendered, not as cached
        url = pages["thread page 1"]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(url)
        profiler.disable()
        print("\nThread page, 20 requests, top functions by own time:")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
