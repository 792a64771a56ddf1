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
`search` asks the same search again and again, as readers do a story's name: after the first,
each is a kept search's update (`search/kept.py`); `search_new` asks a different word of a
thread title every time, so each one matches and ranks afresh.
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
presence ticks, the renderer; `--profile` for the thread page), in `in_process.py`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from parley.bench import run
from parley.bench.in_process import in_process_main
from parley.bench.shared import BenchError


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
        result = run.run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    run.print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}.")
    return 0
