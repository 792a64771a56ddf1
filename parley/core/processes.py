"""`parley serve` as a child process, and the process tree as Linux's /proc shows it: `parley
bench` and the multi-worker tests start a server this way and find its workers and job consumer
(the consumer runs in a session of its own, so a process group would miss it)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal


def start_serve(
    *,
    host: str,
    port: int,
    workers: int,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """`parley serve` in a process group of its own (stopped as a whole), output to `log_path`."""
    argv = [sys.executable, "-m", "parley.cli", "serve", "--host", host]
    argv += ["--port", str(port), "--workers", str(workers)]
    with open(log_path, "ab") as log:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            argv,
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def wait_until_serving(
    process: subprocess.Popen[bytes], answers: Callable[[], bool], timeout: float
) -> Literal["serving", "exited", "timeout"]:
    """Ask `answers()` every 0.2 s until it is true, the process exits, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "exited"
        if answers():
            return "serving"
        time.sleep(0.2)
    return "timeout"


def parents() -> dict[int, int]:
    """Every running process id -> its parent's id."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                found[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def descendants(pid: int) -> list[int]:
    """Children, grandchildren… of `pid`, whatever process group or session they are in."""
    tree, found, frontier = parents(), [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in tree.items() if parent == current]
        found += children
        frontier += children
    return found
