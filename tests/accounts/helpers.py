"""Form data for tests that post to /register/ directly: the signed "form shown at" time the
registration form requires, dated far enough back to pass the minimum form time."""

from __future__ import annotations

import time

from parley.moderation.defences import form_started_token

SHOWN_SECONDS_AGO = 60


def register_form_data(**fields: str) -> dict[str, str]:
    """`register_form_data(username="Nadia", email=…, password=…)` plus a valid `started`
    token (pass `started=` to override it, e.g. with a fresh or forged one)."""
    return {"started": form_started_token(time.time() - SHOWN_SECONDS_AGO), **fields}
