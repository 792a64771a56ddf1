"""The figures of one measurement, from the tally the load generator returns: requests per
second, latency percentiles, the server's own median time, errors and cache hits."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from parley.bench.load import Tally

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


def figures_of(tally: Tally, url: str, queries: int | None, expected: int = 200) -> Figures:
    good = tally.statuses.get(expected, 0)
    p50, p99 = tally.percentiles or (
        _percentile(tally.latencies, 0.50),
        _percentile(tally.latencies, 0.99),
    )
    return Figures(
        rps=good / tally.seconds if tally.seconds else 0.0,
        p50_ms=p50 * 1000,
        p99_ms=p99 * 1000,
        queries=queries,
        errors=tally.errors + sum(n for s, n in tally.statuses.items() if s != expected),
        cache_hit_share=tally.cache_hits / good if good else None,
        url=url,
        requests=sum(tally.statuses.values()),
        server_p50_ms=statistics.median(tally.server_ms) if tally.server_ms else 0.0,
    )
