"""`make test`: the whole suite on the embedded engines (SQLite, file cache) and on PostgreSQL +
Redis, at the same time. The two runs share nothing (each has its own data directory, test
database and ports). Side by side, each run is about 30% slower than alone on a 2-core machine,
but both together take about two thirds of the time of one after the other: much of each run
waits on a browser, a server or a database rather than on the CPU.

Each run writes its output to a log; when both have ended, a passing run prints its summary and
a failing one its whole log. Extra arguments go to both pytest runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/parley")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
SUMMARY_LINES = 40  # the slowest tests (--durations) and the result line


def _environments() -> dict[str, dict[str, str]]:
    embedded = {
        k: v for k, v in os.environ.items() if k not in ("PARLEY_DATABASE_URL", "PARLEY_REDIS_URL")
    }
    served = embedded | {
        "PARLEY_DATABASE_URL": PG_URL,
        "PARLEY_REDIS_URL": REDIS_URL,
        # Tests that never touch the engines run once, in the SQLite pass (tests/conftest.py).
        "PARLEY_TESTS_SECOND_ENGINE_PASS": "1",
    }
    return {"SQLite": embedded, "PostgreSQL + Redis": served}


def main(argv: list[str]) -> int:
    logs = Path(tempfile.mkdtemp(prefix="parley-test-logs-"))
    started = time.monotonic()
    runs = {}
    for name, env in _environments().items():
        log = logs / (name.split()[0].lower() + ".log")
        print(f"==> pytest on {name} (output in {log})", flush=True)
        with log.open("wb") as out:
            command = [sys.executable, "-m", "pytest", "--durations=25", *argv]
            runs[name] = (log, subprocess.Popen(command, env=env, stdout=out, stderr=out))  # noqa: S603
    failed = []
    for name, (log, process) in runs.items():
        code = process.wait()
        text = log.read_text("utf-8", errors="replace")
        if code:
            failed.append(name)
            print(f"\n==> {name}: FAILED (exit {code}); its whole output:\n{text}")
        else:
            summary = "\n".join(text.rstrip().splitlines()[-SUMMARY_LINES:])
            print(f"\n==> {name}: passed\n{summary}")
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    print(f"\n==> both engines: {minutes} min {seconds:02d} s", flush=True)
    if failed:
        print(f"==> failed on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
