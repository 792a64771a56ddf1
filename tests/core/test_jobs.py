"""Background jobs (Huey): upkeep runs in a real consumer, failures are retried and then kept
for administrators, a periodic job runs once however many consumers fire it, pages never fail
because the queue is down, and `parley serve` runs a worker beside the web server.

The consumer tests start real `parley worker` processes on a throwaway data directory (and, in
the PostgreSQL + Redis pass, a throwaway database and another Redis db), then read that
database directly. Waits are bounded by WAIT_SECONDS and never on wall-clock luck: a consumer's
scheduler fires every periodic task as it starts."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from huey import RedisHuey, SqliteHuey
from huey.contrib.djhuey import HUEY

from parley import cli
from parley.core import jobs
from parley.core.models import FailedJob, Stamp
from tests.core import jobs_tasks

ROOT = Path(__file__).resolve().parents[2]
# A limit, not a pause: only a failing test waits it out, and a loaded machine needs slack.
WAIT_SECONDS = 60.0
# `parley worker`, plus the test-only tasks (the consumer must know a task to run it).
CONSUMER = (
    "import django, sys; django.setup(); import tests.core.jobs_tasks; from parley.cli import main;"
    " sys.exit(main(['worker', '--verbose']))"
)


# --- In-process: helpers and upkeep tasks (tasks run inline under the test settings) -----------


def test_once_per_lets_one_run_through_per_interval_and_a_failure_frees_it() -> None:
    runs: list[str] = []

    @jobs.once_per("test-flaky", 3600)
    def flaky(fail: bool) -> None:
        runs.append("fail" if fail else "ok")
        if fail:
            raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        flaky(True)
    flaky(False)  # the retry of a failed run is not swallowed by the guard
    flaky(False)  # another consumer firing the same interval is
    assert runs == ["fail", "ok"]


@pytest.fixture
def fresh_enqueue_breaker() -> Iterator[None]:
    """As in a new process, and no outage left behind for the tests that follow."""
    jobs.enqueue_breaker.reset()
    yield
    jobs.enqueue_breaker.reset()


def test_a_page_enqueueing_while_the_queue_is_down_gets_false_and_one_log_line(
    monkeypatch, caplog, fresh_enqueue_breaker
) -> None:
    calls: list[int] = []

    class Down:
        def enqueue(self, data: bytes, priority: Any) -> None:
            calls.append(1)
            raise ConnectionError("Connection refused")

    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", Down())
    assert jobs.safe_enqueue(jobs_tasks.mark, "lost") is False
    assert jobs.safe_enqueue(jobs_tasks.mark, "lost") is False
    assert calls == [1]  # the second page did not wait on the queue again
    assert caplog.text.count("The job queue is unavailable") == 1


@pytest.mark.django_db
def test_a_job_enqueued_after_commit_runs_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        jobs.enqueue_after_commit(jobs_tasks.mark, "committed")
        assert not Stamp.objects.filter(name="committed").exists()
    assert Stamp.objects.get(name="committed").value == 1


@pytest.mark.django_db
def test_every_upkeep_task_runs_on_an_empty_board() -> None:
    from parley.activity import tasks as activity_tasks
    from parley.core import tasks as core_tasks
    from parley.moderation import tasks as moderation_tasks

    upkeep = [
        core_tasks.worker_heartbeat,
        core_tasks.prune_ratelimit_buckets,
        core_tasks.prune_failed_jobs,
        activity_tasks.prune_read_markers,
        activity_tasks.prune_presence,
        moderation_tasks.purge_redirects,
    ]
    for task in upkeep:
        assert hasattr(task.task_class, "validate_datetime"), f"{task.name} is not periodic"
        task.call_local()  # raises if broken (through the queue a failure would be retried)
    assert jobs.last_worker_heartbeat() is not None


@pytest.mark.django_db
def test_last_worker_heartbeat_is_none_until_a_beat() -> None:
    assert jobs.last_worker_heartbeat() is None
    jobs.beat(now=1_700_000_000)
    assert jobs.last_worker_heartbeat() == datetime.fromtimestamp(1_700_000_000, tz=UTC)


@pytest.mark.django_db
def test_presence_upkeep_drops_visits_older_than_the_online_window(settings) -> None:
    from parley.activity.models import Presence
    from parley.activity.presence.backends import reset_backend
    from parley.activity.tasks import prune_presence

    settings.REDIS_URL = ""  # the database backend is the one that keeps rows
    reset_backend()
    now = timezone.now()
    Presence.objects.create(visitor_key="g:old", kind="guest", seen_at=now - timedelta(days=1))
    Presence.objects.create(visitor_key="g:new", kind="guest", seen_at=now)
    try:
        prune_presence()
    finally:
        reset_backend()
    assert list(Presence.objects.values_list("visitor_key", flat=True)) == ["g:new"]


@pytest.mark.django_db
def test_failed_jobs_are_readable_not_editable_in_the_admin(admin_client) -> None:
    job = FailedJob.objects.create(task="t.x", task_id="1", error="Traceback\nRuntimeError: x")
    page = admin_client.get("/admin/core/failedjob/")
    assert page.status_code == 200 and b"RuntimeError: x" in page.content
    assert admin_client.get(f"/admin/core/failedjob/{job.pk}/change/").status_code == 200
    assert admin_client.get("/admin/core/failedjob/add/").status_code == 403


class ExitingServer:
    def run(self) -> None:
        raise SystemExit(0)  # what gunicorn does on SIGTERM


@pytest.mark.parametrize(("argv", "started"), [([], True), (["--no-worker"], False)])
def test_serve_stops_its_worker_when_the_server_exits(monkeypatch, argv, started) -> None:
    events: list[str] = []
    monkeypatch.setattr(cli, "_call", lambda *a, **kw: None)
    monkeypatch.setattr(cli, "build_server", lambda **kw: ExitingServer())
    monkeypatch.setattr(cli, "start_worker", lambda: events.append("start") or "proc")
    monkeypatch.setattr(cli, "stop_worker", lambda proc: events.append(f"stop {proc}"))
    monkeypatch.setenv("PARLEY_SECURE_COOKIES", "1")
    with pytest.raises(SystemExit):
        cli.main(["serve", *argv])
    assert events == (["start", "stop proc"] if started else [])


# --- Real consumers -----------------------------------------------------------------------------


@dataclass
class Board:
    """A data directory (and database, and Redis db) that `parley` subprocesses share."""

    data_dir: Path
    env: dict[str, str]
    database_url: str = ""
    redis_url: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    grandchildren: list[int] = field(default_factory=list)  # workers started by `serve`

    def parley(
        self, label: str, *args: str, ignore_sigint: bool = False
    ) -> subprocess.Popen[bytes]:
        """`python *args`, logging to a file that failures show. `ignore_sigint` starts it
        as a shell without job control starts a background command."""
        with (self.data_dir / f"{len(self.procs)}-{label}.log").open("wb") as log:
            proc = subprocess.Popen(  # noqa: S603
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                preexec_fn=_ignore_sigint if ignore_sigint else None,  # noqa: PLW1509
            )
        self.procs.append(proc)
        return proc

    def start_consumer(self) -> subprocess.Popen[bytes]:
        return self.parley("consumer", "-c", CONSUMER)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.data_dir.glob("*.log"))
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with sqlite3.connect(self.data_dir / "parley.sqlite3", timeout=10) as conn:
            return conn.execute(sql, params).fetchall()

    def stamp(self, name: str) -> int | None:
        rows = self.query("SELECT value FROM core_stamp WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def wait_for(self, what: str, check: Callable[[], object]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        pytest.fail(f"waited {WAIT_SECONDS:.0f} s for {what}\n{self.logs()}")

    def queue(self) -> Any:
        """The consumers' queue storage, for this process to enqueue into."""
        if self.redis_url:
            return RedisHuey("parley", url=self.redis_url).storage
        return SqliteHuey("parley", filename=str(self.data_dir / "jobs.sqlite3")).storage


@pytest.fixture(scope="module")
def board(tmp_path_factory) -> Iterator[Board]:
    data_dir = tmp_path_factory.mktemp("jobs-board")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "parley.settings",
        "PARLEY_DATA_DIR": str(data_dir),
        "PARLEY_SECRET_KEY": "jobs-test-secret",
        "PYTHONPATH": str(ROOT),
    }
    cleanups: list[Callable[[], None]] = []
    b = Board(data_dir, env)
    if url := os.environ.get("PARLEY_DATABASE_URL"):
        b.database_url, drop = _throwaway_postgres(url)
        cleanups.append(drop)
        env["PARLEY_DATABASE_URL"] = b.database_url
    if url := os.environ.get("PARLEY_REDIS_URL"):
        b.redis_url, flush = _other_redis_db(url)
        cleanups.append(flush)
        env["PARLEY_REDIS_URL"] = b.redis_url
    try:
        migrate = b.parley("migrate", "-m", "parley.cli", "migrate")
        assert migrate.wait(60) == 0, b.logs()
        yield b
    finally:
        for proc in b.procs:
            _stop(proc)
        for pid in b.grandchildren:  # only if a test failed: serve should have stopped them
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        for cleanup in reversed(cleanups):
            cleanup()


@pytest.fixture(scope="module")
def two_consumers(board: Board) -> Board:
    """Two consumers sharing one queue, as on two machines sharing Redis."""
    board.start_consumer()
    board.start_consumer()
    return board


@pytest.fixture
def into_board_queue(two_consumers: Board, monkeypatch, fresh_enqueue_breaker) -> Board:
    """Point this process's queue at the consumers' (tests otherwise run tasks inline)."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", two_consumers.queue())
    return two_consumers


def test_a_consumer_beats_on_schedule_and_runs_what_a_page_enqueues(into_board_queue) -> None:
    board = into_board_queue
    board.wait_for("the periodic heartbeat", lambda: board.stamp(jobs.HEARTBEAT))
    assert abs(board.stamp(jobs.HEARTBEAT) - time.time()) < 120

    assert jobs.safe_enqueue(jobs_tasks.mark, "from-a-page") is True
    board.wait_for("the enqueued job's effect", lambda: board.stamp("from-a-page") == 1)


def test_a_failing_job_is_retried_then_recorded_and_the_consumer_carries_on(
    into_board_queue,
) -> None:
    board = into_board_queue

    def failures() -> list[tuple[Any, ...]]:
        return board.query(
            "SELECT arguments, error FROM core_failedjob WHERE task = ?",
            ("tests.core.jobs_tasks.always_fails",),
        )

    assert jobs.safe_enqueue(jobs_tasks.always_fails, "doomed")
    board.wait_for("a FailedJob row", failures)
    assert board.stamp("doomed") == 1 + jobs_tasks.FAILING_RETRIES  # tried, then retried
    [(arguments, error)] = failures()  # one record, for the last failure only
    assert "doomed" in arguments
    assert "RuntimeError: doomed cannot succeed" in error

    assert jobs.safe_enqueue(jobs_tasks.mark, "after-the-failure")
    board.wait_for("the next job", lambda: board.stamp("after-the-failure") == 1)


def test_a_periodic_job_fired_by_two_consumers_runs_once(two_consumers) -> None:
    board = two_consumers

    def fired() -> int:
        return (board.stamp("guard-ran") or 0) + (board.stamp("guard-skipped") or 0)

    board.wait_for("both consumers to fire the periodic job", lambda: fired() >= 2)
    assert board.stamp("guard-ran") == 1


# `serve` starts a plain worker, which does not know the test tasks; these run after the tests
# above are done with the queue.
def test_serve_runs_a_worker_and_stops_it_when_stopped(board: Board) -> None:
    serve, worker = _serve_with_worker(board)
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(WAIT_SECONDS) == 0, board.logs()
    assert not _alive(worker), "the worker outlived `parley serve`"


def test_serve_started_with_sigint_ignored_still_stops_its_worker_gracefully(
    board: Board,
) -> None:
    # What `nohup make demo &` or a CI script does: the worker, still starting when the serve
    # is stopped, must take the graceful stop rather than be killed after a timeout.
    serve, worker = _serve_with_worker(board, ignore_sigint=True)
    assert not _ignores_sigint(worker), "the worker inherited SIGINT ignored"
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(WAIT_SECONDS) == 0, board.logs()
    assert not _alive(worker), "the worker outlived `parley serve`"
    assert "did not stop" not in board.logs(), board.logs()


def test_a_worker_whose_serve_was_killed_stops_by_itself(board: Board) -> None:
    serve, worker = _serve_with_worker(board)
    serve.kill()  # no chance to stop its worker
    serve.wait(WAIT_SECONDS)
    board.wait_for("the orphaned worker to exit", lambda: not _alive(worker))


# --- Helpers ------------------------------------------------------------------------------------


def _ignores_sigint(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    raise AssertionError(f"no SigIgn line for {pid}")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _serve_with_worker(
    board: Board, *, ignore_sigint: bool = False
) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    serve = board.parley(
        "serve",
        "-m",
        "parley.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        ignore_sigint=ignore_sigint,
    )
    found: list[int] = []

    def worker_started() -> bool:
        found[:] = _workers_of(serve.pid)
        return bool(found) and _accepts(port)

    board.wait_for("serve to listen with its worker", worker_started)
    board.grandchildren.append(found[0])
    return serve, found[0]


def _workers_of(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == parent and b"--parent-pid" in cmdline:
            pids.append(int(stat.parent.name))
    return pids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in {"Z", "X"}


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        return False
    return True


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _throwaway_postgres(url: str) -> tuple[str, Callable[[], None]]:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"parley_jobs_{secrets.token_hex(4)}"
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    return parts._replace(path=f"/{name}").geturl(), drop


def _other_redis_db(url: str) -> tuple[str, Callable[[], None]]:
    """A db number next to the suite's own, emptied before and after."""
    import redis

    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    other = parts._replace(path=f"/{db - 1 if db > 0 else 1}").geturl()
    client = redis.Redis.from_url(other)
    client.flushdb()

    def flush() -> None:
        client.flushdb()
        client.close()

    return other, flush
