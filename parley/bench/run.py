"""A run of `parley bench`: the board prepared, the server started, every page measured from
the load process against the baseline, the posting workload and its recount; the report."""

from __future__ import annotations

import argparse
import secrets
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from parley import bench_baseline
from parley.bench import wrk
from parley.bench.board import (
    SIZES,
    count_posts,
    count_queries,
    django_here,
    engine_name,
    environments,
    prepare_board,
)
from parley.bench.figures import Figures, figures_of
from parley.bench.load import Load, Tally, drive, load_process
from parley.bench.server import Server, http_request, log_in
from parley.bench.shared import FORM_TOKEN, POSTING_GATE, BenchError

# --- The run --------------------------------------------------------------------------------------


def _measure(
    loader: ProcessPoolExecutor, load: Load, warmup: float, queries: int | None
) -> Figures:
    if warmup > 0:
        loader.submit(drive, Load(**{**asdict(load), "seconds": warmup})).result()
    return figures_of(loader.submit(drive, load).result(), load.path, queries)


def _post_replies(
    loader: ProcessPoolExecutor,
    server: Server,
    posting_url: str,
    cookies: tuple[str, ...],
    seconds: float,
) -> Tally:
    """The posting workload: every bench member replying at once, through wrk when it is
    installed (bench/wrk.py), else through the asyncio client."""
    reply_path = posting_url + "reply"
    if not wrk.available():
        load = Load(server.port, posting_url, seconds, len(cookies), cookies, reply_path=reply_path)
        return loader.submit(drive, load).result()
    members = []
    for cookie in cookies:  # each member's form, for its CSRF token
        jar = dict(part.split("=", 1) for part in cookie.split("; "))
        status, page = http_request(server.port, "GET", posting_url, jar)
        token = FORM_TOKEN.search(page)
        if status != 200 or token is None:
            raise BenchError(f"The thread page answered {status} without a reply form.")
        members.append((cookie, token[1].decode()))
    return wrk.drive_replies(
        port=server.port,
        reply_path=reply_path,
        members=members,
        seconds=seconds,
        concurrency=len(cookies),
        work_dir=server.log_path.parent,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    size = SIZES["quick" if args.quick else args.size]
    seconds = args.seconds or size.seconds
    concurrency = args.concurrency or size.concurrency
    kept = args.data_dir is not None
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="parley-bench-")).resolve()
    chosen = set(args.pages.split(",")) if args.pages else None
    token = secrets.token_hex(16)
    here, server_env = environments(data_dir, token)
    django_here(here)
    board = prepare_board(size)
    queries, page_bytes = count_queries(board, token)
    engine = engine_name()
    server = Server(server_env, data_dir, args.workers)
    try:
        print(f"Starting `parley serve` with {args.workers} workers ({engine}) …", flush=True)
        server.start()
        # Imported here, after django_here(): the settings are configured only now.
        from django.conf import settings

        cookies = tuple(
            log_in(server.port, name, settings.SESSION_COOKIE_NAME) for name in board.members
        )
        with load_process() as loader:
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
                    paths=board.new_searches if name == "search_new" else (),
                )
                pages[name] = _measure(loader, load, warmup, queries[name])
                pages[name].ratio = baseline.rps / pages[name].rps if pages[name].rps else 0.0
            before = count_posts(board.posting_thread_id)
            posting_url = board.posting_url
            tally = Tally()
            if chosen is None or "posting" in chosen:
                tally = _post_replies(loader, server, posting_url, cookies, size.posting_seconds)
        after = count_posts(board.posting_thread_id)
        rss = server.worker_rss_mb()
    finally:
        server.stop()
        if not kept:
            shutil.rmtree(data_dir, ignore_errors=True)
    added = after[0] - before[0]
    posting = figures_of(tally, posting_url, None, expected=302)
    return {
        "engine": engine,
        "size": size.name,
        "workers": args.workers,
        "concurrency": concurrency,
        "seconds_per_page": seconds,
        "posting_gate": POSTING_GATE,
        "posting_client": "wrk" if wrk.available() else "asyncio",
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
        "replies_in_flight": tally.in_flight,
        # More posts than answered replies beyond those in flight would be double posts.
        "extra_posts": max(0, added - tally.replies - tally.in_flight),
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
        f"\nPosting ({len(result['worker_rss_mb_each'])} workers, {result['posting_client']} "
        f"client; the server ran with {gate}): "
        f"{result['replies']} replies in all, {result['replies_per_s']:.1f} replies/s, "
        f"p50 {result['reply_p50_ms']:.1f} ms, p99 {result['reply_p99_ms']:.1f} ms (the POST; "
        f"server {result['reply_server_p50_ms']:.1f} ms); "
        f"{result['replies_refused']} refused, {result['replies_unanswered']} unanswered."
    )
    print(
        f"Recount: {result['posts_added']} posts added (reply count +"
        f"{result['reply_count_added']}): {result['lost_replies']} lost, "
        f"{result['extra_posts']} extra ({result['replies_in_flight']} in flight when the "
        "client stopped may be among those added)."
    )
    each = ", ".join(f"{mb:.0f}" for mb in result["worker_rss_mb_each"])
    print(
        f"Worker RSS at the end: {each} MB, after {result['requests_served']:,} measured requests."
    )
