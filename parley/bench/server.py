"""The server `parley bench` drives: `parley serve` on a free port of the loopback address,
started and stopped as a process group, plus the plain requests this process sends it."""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import urllib.parse
from pathlib import Path

from parley.bench.load import cookie_header, take_cookies
from parley.bench.shared import (
    BENCH_PASSWORD,
    FORM_TOKEN,
    HOST,
    REQUEST_TIMEOUT_SECONDS,
    BenchError,
)
from parley.core import processes

# --- The server -----------------------------------------------------------------------------------


START_TIMEOUT_SECONDS = 120.0  # migrations on a fresh PostgreSQL database on a busy machine
STOP_GRACE_SECONDS = 10.0


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
        self.process = processes.start_serve(
            host=HOST, port=self.port, workers=self.workers, env=self.env, log_path=self.log_path
        )
        atexit.register(self.stop)
        outcome = processes.wait_until_serving(self.process, self._answers, START_TIMEOUT_SECONDS)
        if outcome == "serving":
            return True
        if outcome == "exited":
            if "Address already in use" in self.log_tail():
                return False
            raise BenchError(f"`parley serve` exited:\n{self.log_tail()}")
        raise BenchError(f"`parley serve` did not answer in time:\n{self.log_tail()}")

    def _answers(self) -> bool:
        with contextlib.suppress(OSError, http.client.HTTPException):
            return http_request(self.port, "GET", "/", {})[0] == 200
        return False

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
        headers = {"Cookie": cookie_header(jar)} if jar else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        take_cookies(jar, response.msg.get_all("Set-Cookie") or [])
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
    return cookie_header(jar)
