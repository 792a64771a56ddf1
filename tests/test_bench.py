"""`make bench` must keep running: `python -m parley.bench --quick` (small board, few rounds), as
a separate process with the production settings on SQLite in a throwaway data directory, exits 0
and prints a timing row with a ratio for every page and measurement. It once crashed on the
posting gate while building its board and nothing noticed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name, milliseconds, ratio to the baseline page, query count (or "-")
ROW = re.compile(r"^(?P<name>\S.*?)\s+(?P<ms>\d+\.\d+)\s+(?P<ratio>\d+\.\d+)\s+(?P<queries>\d+|-)$")
# 45 posts: 3 pages. Each rendered, then as the guest page cache serves it.
PAGES = [
    name
    for page in ("forum index", "forum page", "thread page 1", "thread page 3")
    for name in (page, f"{page}, cached")
]
OTHER_ROWS = [
    "presence tick, 100",
    "visit, empty buffer",
    "visit, full buffer",
    "index, few guests",
    "index, +3k guests",
    "thread 1, few guests",
    "thread 1, +3k guests",
    "render 2 KB post",
]


def run_quick_bench(data_dir: Path) -> subprocess.CompletedProcess[str]:
    # The bench configures Django itself: none of this test process's settings (the test
    # settings module, its data directory, PostgreSQL or Redis in the second pass) may reach it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARLEY_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["PARLEY_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "parley.bench", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_quick_bench_runs_and_reports_every_page(tmp_path: Path) -> None:
    done = run_quick_bench(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {m["name"]: m for m in map(ROW.match, done.stdout.splitlines()) if m}
    assert list(rows) == PAGES + OTHER_ROWS, done.stdout
    for name in PAGES:
        # Pages are full requests: slower than nothing, and they run queries.
        assert float(rows[name]["ratio"]) > 0, rows[name].group(0)
        assert int(rows[name]["queries"]) > 0, rows[name].group(0)
        if not name.endswith(", cached"):  # a cached page skips the page's own queries
            cached = rows[f"{name}, cached"]
            assert int(cached["queries"]) < int(rows[name]["queries"]), cached.group(0)
    assert "baseline (404 page in the site layout)" in done.stdout
    # Production settings on SQLite in the data directory given, not anywhere else.
    assert (tmp_path / "parley.sqlite3").exists()
