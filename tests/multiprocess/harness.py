"""The real thing, started as production starts it: `parley demo`, then `parley serve` with several
gunicorn workers, in a throwaway data directory, against the same engines as the pytest run.

- SQLite (the embedded default) in the temporary data directory, unless the pytest process has
  PARLEY_DATABASE_URL: then a throwaway PostgreSQL database on that server, dropped afterwards.
- No PARLEY_REDIS_URL: the server's own default cache. With it: a Redis database number of its
  own on that server (claimed with a key, emptied before and after use).

The server runs in its own process group (gunicorn's master and its workers), and the whole group
is stopped at teardown, also when a test or the start-up failed, and at interpreter exit as a last
resort; so is every other descendant, found by pid, such as the job consumer `parley serve` starts
(in a session of its own, so outside the group).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from parley.core.processes import descendants, start_serve, wait_until_serving
from tests.multiprocess.client import Browser

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
START_TIMEOUT_SECONDS = 30.0  # from launching `parley serve` until it answers
DEMO_TIMEOUT_SECONDS = 180.0  # migrations on PostgreSQL on a busy two-core machine
STOP_GRACE_SECONDS = 8.0
REDIS_DBS = (13, 12, 11, 10, 9)  # tried in turn; the main suite uses 15
REDIS_CLAIM_KEY = "parley-multiprocess:claimed-by"
REDIS_CLAIM_SECONDS = 30 * 60
ACCESS_LOG_LINE = re.compile(r'^\S+ - \S+ \[[^\]]+\] "[A-Z]+ ')


@dataclass(frozen=True)
class DemoLogins:
    admin: str
    admin_password: str
    members: tuple[str, ...]
    member_password: str


def parse_demo_output(text: str) -> tuple[str, tuple[str, ...], str]:
    """(admin name, member names, member password) from what `parley demo` printed."""
    admin = re.search(r"^Admin login: (?P<name>.+?) / ", text, re.MULTILINE)
    members = re.search(
        r"^Demo members \((?P<names>.+)\) share the password (?P<password>\S+)\s*$",
        text,
        re.MULTILINE,
    )
    if admin is None or members is None:
        raise RuntimeError(f"`parley demo` did not print the logins:\n{text}")
    names = tuple(n.strip() for n in members["names"].split(", "))
    return admin["name"], names, members["password"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_ticks(pid: int) -> int | None:
    """User + system CPU time a process has used, in clock ticks (None: no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- Engines ------------------------------------------------------------------------------------


class PostgresDatabase:
    """A database of its own on the PostgreSQL server the pytest run uses."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.name = f"parley_mp_{secrets.token_hex(4)}"
        self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))
        self.admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class RedisDatabase:
    """A Redis database number nobody else is using, on the server the pytest run uses."""

    def __init__(self, url: str) -> None:
        import redis

        self._base = urllib.parse.urlsplit(url)
        self.token = secrets.token_hex(8)
        for db in REDIS_DBS:
            client = redis.Redis.from_url(self._url(db), socket_timeout=5)
            if client.set(REDIS_CLAIM_KEY, self.token, nx=True, ex=REDIS_CLAIM_SECONDS):
                self.db, self.client = db, client
                break
        else:
            raise RuntimeError(f"Redis databases {REDIS_DBS} are all claimed by other test runs")
        self.url = self._url(self.db)
        self.empty()

    def _url(self, db: int) -> str:
        return urllib.parse.urlunsplit(self._base._replace(path=f"/{db}"))

    def empty(self) -> None:
        """Everything but our claim (a FLUSHDB would drop the claim too)."""
        for key in self.client.scan_iter(count=1000):
            if key != REDIS_CLAIM_KEY.encode():
                self.client.delete(key)

    def release(self) -> None:
        self.empty()
        if self.client.get(REDIS_CLAIM_KEY) == self.token.encode():
            self.client.delete(REDIS_CLAIM_KEY)

    def server_pid(self) -> int:
        """The redis-server process (to pause it), checked to be one on this machine."""
        pid = int(self.client.info("server")["process_id"])
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError as error:
            raise RuntimeError(
                f"Redis reports process id {pid}, which is not a process on this machine "
                "(is Redis running in another container?)"
            ) from error
        if "redis" not in comm:
            raise RuntimeError(f"Redis reports process id {pid}, but that process is {comm!r}")
        return pid


# --- The server ---------------------------------------------------------------------------------


class ParleyServer:
    """`parley demo` + `parley serve --workers 3` in a temporary data directory."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str = "",
        redis: RedisDatabase | None = None,
        secret_key: str = "",
        workers: int = WORKERS,
    ) -> None:
        """`secret_key`: the same for servers meant to act as one deployment (generated if
        empty)."""
        self.data_dir = data_dir
        self.database_url = database_url
        self.redis = redis
        self.secret_key = secret_key or secrets.token_urlsafe(50)
        self.workers = workers
        self.admin_password = f"adm-{secrets.token_urlsafe(12)}"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"
        self.logins: DemoLogins | None = None
        self.engine = (
            ("PostgreSQL" if database_url else "SQLite")
            + " + "
            + (f"Redis db {redis.db}" if redis else "default cache")
        )

    # -- environment --

    def env(self) -> dict[str, str]:
        """The pytest process's environment minus anything Parley or Django reads from it (the
        test settings set some), plus this server's own settings: production ones, not tests'."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PARLEY_", "DJANGO_")) and k != "PYTHONPATH"
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "parley.settings",
            "PARLEY_DATA_DIR": str(self.data_dir),
            "PARLEY_SECRET_KEY": self.secret_key,
            "PARLEY_ADMIN_PASSWORD": self.admin_password,
            "PYTHONPATH": str(ROOT),  # this checkout's code, whatever is installed
            "PYTHONUNBUFFERED": "1",
        }
        if self.database_url:
            env["PARLEY_DATABASE_URL"] = self.database_url
        if self.redis is not None:
            env["PARLEY_REDIS_URL"] = self.redis.url
        return env

    # -- lifecycle --

    def load_demo(self, env: dict[str, str]) -> DemoLogins:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "parley.cli", "demo"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"`parley demo` failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        admin, members, member_password = parse_demo_output(done.stdout)
        return DemoLogins(admin, self.admin_password, members, member_password)

    def start(self, *, demo: bool = True) -> None:
        """`demo=False`: serve a database another server's demo filled (set `logins`)."""
        env = self.env()
        if demo:
            self.logins = self.load_demo(env)
        for _attempt in range(3):  # a free port can be taken between asking and binding
            self.port = free_port()
            if self._launch(env):
                return
        raise RuntimeError(f"`parley serve` did not start:\n{self.log_tail()}")

    def _launch(self, env: dict[str, str]) -> bool:
        self.process = start_serve(
            host="127.0.0.1",
            port=self.port,
            workers=self.workers,
            env=env,
            log_path=self.log_path,
            cwd=ROOT,
        )
        atexit.register(self.stop)
        probe = Browser(self.base_url, "startup-probe", timeout=2)

        def answers() -> bool:
            with contextlib.suppress(AssertionError):
                return probe.get("/", follow=False).status == 200
            return False

        outcome = wait_until_serving(self.process, answers, START_TIMEOUT_SECONDS)
        if outcome == "serving":
            return True
        if outcome == "exited":
            in_use = "Address already in use" in self.log_tail()
            self.stop()
            if in_use:
                return False
            raise RuntimeError(
                f"`parley serve` exited with {self.process.returncode}:\n{self.log_tail()}"
            )
        self.stop()
        raise RuntimeError(
            f"`parley serve` did not answer within {START_TIMEOUT_SECONDS:.0f} s:\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop everything the server started: gracefully (gunicorn stops its workers, `parley
        serve` its job consumer), then by force. By process group, and by pid for descendants
        that left the group (the job consumer runs in a session of its own)."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        family = descendants(process.pid)  # while they are still the master's children
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_SECONDS)
        family += [pid for pid in descendants(process.pid) if pid not in family]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while family and time.monotonic() < deadline:
            family = [pid for pid in family if alive(pid)]
            time.sleep(0.1)
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_SECONDS)

    # -- for tests --

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def browser(self, name: str = "", *, timeout: float = 20.0) -> Browser:
        return Browser(self.base_url, name, timeout=timeout)

    def worker_pids(self) -> list[int]:
        """gunicorn's workers that are alive, as its log announced them."""
        booted = re.findall(r"Booting worker with pid: (\d+)", self.log_tail(lines=10_000))
        return [int(pid) for pid in dict.fromkeys(booted) if cpu_ticks(int(pid)) is not None]

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_tail(self, since: int = 0, lines: int = 80, access: bool = True) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no server log)"
        kept = [line for line in text.splitlines() if access or not ACCESS_LOG_LINE.match(line)]
        return "\n".join(kept[-lines:])


@contextlib.contextmanager
def engines() -> Iterator[tuple[PostgresDatabase | None, RedisDatabase | None]]:
    """Engines as the pytest process has them configured (None: the embedded one), undone on
    the way out; stop the servers using them first (they hold connections to the database)."""
    pg = (
        PostgresDatabase(os.environ["PARLEY_DATABASE_URL"]) if _env("PARLEY_DATABASE_URL") else None
    )
    redis = RedisDatabase(os.environ["PARLEY_REDIS_URL"]) if _env("PARLEY_REDIS_URL") else None
    try:
        if pg is not None:
            pg.create()
        yield pg, redis
    finally:
        if pg is not None:
            pg.drop()
        if redis is not None:
            redis.release()


@contextlib.contextmanager
def running_server(data_dir: Path) -> Iterator[ParleyServer]:
    """One server on the engines as configured; everything undone on the way out, the server
    first."""
    with engines() as (pg, redis):
        server = ParleyServer(data_dir, database_url=pg.url if pg else "", redis=redis)
        try:
            server.start()
            yield server
        finally:
            server.stop()


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()
