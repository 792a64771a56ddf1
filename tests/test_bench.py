"""`make bench` must keep running: `parley bench --quick` (a small seeded board, about a second a
page) starts the real server, drives it from a second process and writes every figure; the older
`--in-process --quick` timings still print a row for every measurement. Both as separate
processes with the production settings on SQLite in a throwaway data directory. The baseline
page they measure against exists only on a server the bench started."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from parley import bench_baseline

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    "index",
    "forum_page_1",
    "forum_page_500",
    "thread_page_1",
    "thread_page_1_cached",
    "thread_page_1_member",
    "thread_last_page",
    "whats_new",
    "search",
    "search_new",
    "member_profile",
]


def run_bench(
    data_dir: Path, *args: str, timeout: float, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    # The bench configures Django itself: none of this test process's settings (the test
    # settings module, its data directory, PostgreSQL or Redis in the second pass) may reach it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARLEY_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env["PARLEY_DATA_DIR"] = str(data_dir)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "parley.cli", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_quick_bench_drives_the_real_server_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    kept = tmp_path / "kept"
    done = run_bench(tmp_path, "--quick", "--data-dir", str(kept), "--json", str(out), timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["engine"].startswith("sqlite")
    only = tmp_path / "only.json"
    done_only = run_bench(
        tmp_path,
        "--quick",
        "--data-dir",
        str(kept),
        "--pages",
        "index",
        "--json",
        str(only),
        timeout=90,
    )  # the board kept by the first run is benchmarked as it is
    assert done_only.returncode == 0, done_only.stdout + done_only.stderr
    assert "already holds a board" in done_only.stdout
    assert list(json.loads(only.read_text())["pages"]) == ["index"]
    assert json.loads(only.read_text())["replies"] == 0
    assert result["baseline_rps"] > 0
    assert list(result["pages"]) == PAGES
    for name, page in result["pages"].items():
        assert page["rps"] > 0, name
        assert page["errors"] == 0, (name, page)
        assert page["p99_ms"] >= page["p50_ms"] > 0, (name, page)
        # A ratio is printed for every page. Its size is a timing, which a test does not judge:
        # on a quick run a small rendered page came out at 0.98 of the baseline's cost.
        assert page["ratio"] > 0, (name, page)
        assert page["queries"] > 0, name
        # The server's own time (Server-Timing): under the latency, which adds the queue.
        assert 0 < page["server_p50_ms"] <= page["p99_ms"], (name, page)
    # Rendered for every request but the cached one, which the page cache answers.
    assert result["pages"]["thread_page_1_cached"]["cache_hit_share"] > 0.5
    assert result["pages"]["thread_page_1"]["cache_hit_share"] == 0
    assert result["replies"] > 0 and result["replies_per_s"] > 0
    assert result["lost_replies"] == 0 and result["extra_posts"] == 0
    assert result["posting_client"] == ("wrk" if shutil.which("wrk") else "asyncio")
    assert result["posts_added"] == result["reply_count_added"]
    in_flight = result["replies_in_flight"]
    assert result["replies"] <= result["posts_added"] <= result["replies"] + in_flight
    if result["posting_client"] == "asyncio":
        assert in_flight == 0  # it waits for every answer
    assert len(result["worker_rss_mb_each"]) == 2 and result["worker_rss_mb"] > 0
    measured = result["baseline"]["requests"] + sum(p["requests"] for p in result["pages"].values())
    assert result["requests_served"] >= measured + result["replies"]
    assert f"after {result['requests_served']:,} measured requests" in done.stdout
    for row in ["baseline", *PAGES]:  # the table
        assert re.search(rf"^{row}\s+\d", done.stdout, re.MULTILINE), done.stdout
    assert "PARLEY_FLOOD_SECONDS=0" in done.stdout  # the opened posting gate is said
    # The board is in the directory given (PARLEY_DATA_DIR is not the bench's: without
    # --data-dir it works in a temporary one), kept for the next run.
    assert (kept / "parley.sqlite3").exists()
    assert not (tmp_path / "parley.sqlite3").exists()


def test_without_wrk_the_bench_posts_through_its_own_client(tmp_path: Path) -> None:
    """A machine without Debian's wrk: the asyncio client replies, and waits for every answer."""
    out = tmp_path / "posting.json"
    no_wrk = str(Path(sys.executable).parent)  # the interpreter's directory, no /usr/bin
    done = run_bench(
        tmp_path, "--quick", "--pages", "posting", "--json", str(out), timeout=90, path=no_wrk
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["posting_client"] == "asyncio"
    assert "asyncio client" in done.stdout
    assert result["replies"] > 0 and result["replies_in_flight"] == 0
    assert result["lost_replies"] == 0 and result["extra_posts"] == 0
    assert result["posts_added"] == result["reply_count_added"] == result["replies"]


# name, milliseconds, ratio to the baseline page, query count (or "-")
ROW = re.compile(r"^(?P<name>\S.*?)\s+(?P<ms>\d+\.\d+)\s+(?P<ratio>\d+\.\d+)\s+(?P<queries>\d+|-)$")
# 45 posts: 3 pages. Each rendered, then as the guest page cache serves it.
IN_PROCESS_PAGES = [
    name
    for page in ("forum index", "forum page", "thread page 1", "thread page 3")
    for name in (page, f"{page}, cached")
]
IN_PROCESS_OTHER_ROWS = [
    "presence tick, 100",
    "visit, empty buffer",
    "visit, full buffer",
    "index, few guests",
    "index, +3k guests",
    "thread 1, few guests",
    "thread 1, +3k guests",
    "render 2 KB post",
]


def test_in_process_quick_bench_reports_every_measurement(tmp_path: Path) -> None:
    done = run_bench(tmp_path, "--in-process", "--quick", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {m["name"]: m for m in map(ROW.match, done.stdout.splitlines()) if m}
    assert list(rows) == IN_PROCESS_PAGES + IN_PROCESS_OTHER_ROWS, done.stdout
    for name in IN_PROCESS_PAGES:
        # Pages are full requests: slower than nothing, and they run queries.
        assert float(rows[name]["ratio"]) > 0, rows[name].group(0)
        assert int(rows[name]["queries"]) > 0, rows[name].group(0)
        if not name.endswith(", cached"):  # a cached page skips the page's own queries
            cached = rows[f"{name}, cached"]
            assert int(cached["queries"]) < int(rows[name]["queries"]), cached.group(0)
    assert "baseline (404 page in the site layout)" in done.stdout
    # Production settings on SQLite in the data directory given, not anywhere else.
    assert (tmp_path / "parley.sqlite3").exists()


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:4811/threads/x.1/reply
PARLEY seconds 5.002
PARLEY errors 1
PARLEY p50_us 41000
PARLEY p99_us 98000
PARLEY sent 120
PARLEY status 302 100
PARLEY status 403 2
PARLEY server_ms 3.5
PARLEY server_ms 4.5
PARLEY sent 30
PARLEY status 302 25
PARLEY server_ms 5.5
"""


def test_what_wrk_reports_becomes_the_posting_tally() -> None:
    from parley.bench.figures import figures_of
    from parley.bench.wrk import _tally

    tally = _tally(WRK_OUTPUT)
    assert (tally.replies, tally.refused, tally.errors) == (125, 2, 1)
    assert tally.in_flight == 150 - 127 - 1
    assert tally.seconds == pytest.approx(5.002)
    figures = figures_of(tally, "/threads/x.1/reply", None, expected=302)
    assert figures.rps == pytest.approx(125 / 5.002)
    assert (figures.p50_ms, figures.p99_ms, figures.server_p50_ms) == (41.0, 98.0, 4.5)


TOKEN = "0123456789abcdef0123456789abcdef"


def test_baseline_url_is_a_404_without_the_bench_variable() -> None:
    """This process's URLconf is every server's but the bench's: no such address."""
    assert bench_baseline.ENV not in os.environ
    with pytest.raises(Resolver404):
        resolve(bench_baseline.baseline_path(TOKEN, 1000))
    with pytest.raises(Resolver404):
        resolve("/_bench/")


@pytest.mark.parametrize(
    "value", ["", "1", "true", "yes", "short0token", "0123456789abcdef/../x", " " * 20]
)
def test_only_a_long_token_mounts_the_baseline(value: str) -> None:
    assert bench_baseline.urlpatterns_for({bench_baseline.ENV: value}) == []
    assert bench_baseline.urlpatterns_for({}) == []


def test_the_token_is_part_of_the_baseline_address() -> None:
    (pattern,) = bench_baseline.urlpatterns_for({bench_baseline.ENV: TOKEN})
    assert pattern.resolve(bench_baseline.baseline_path(TOKEN, 1000).lstrip("/")) is not None
    assert pattern.resolve(bench_baseline.baseline_path("f" * 32, 1000).lstrip("/")) is None
    body = bench_baseline.baseline(None, 1234).content  # type: ignore[arg-type]
    assert len(body) == 1234
