"""What the parts of `parley bench` share: the loopback address its server listens on, the
bench members' password, the posting gate the server runs with, the forms' CSRF token and
the error that ends a run."""

from __future__ import annotations

import re

BENCH_PASSWORD = "bench-pass-123!"  # noqa: S105 - throwaway members of a benchmark board
HOST = "127.0.0.1"
REQUEST_TIMEOUT_SECONDS = 30.0
# The posting gate as the bench's server runs it: members reply as fast as they can, with texts
# alike, which flood control and the duplicate check would (rightly) refuse from people.
POSTING_GATE = {
    "PARLEY_FLOOD_SECONDS": "0",
    "PARLEY_NEWCOMER_FLOOD_SECONDS": "0",
    "PARLEY_DUPLICATE_MINUTES": "0",
    "PARLEY_APPROVAL_FIRST_POSTS": "0",
}
FORM_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class BenchError(Exception):
    """The run cannot go on (the server did not start, a login failed…): said, not traced."""
