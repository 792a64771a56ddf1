"""SQLite tuning lives in settings (`init_command`, IMMEDIATE transactions, busy timeout); this
module is imported at start-up so the guarantee is visible in one place and checked."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.database)
def check_sqlite_concurrency(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return []
    options = db.get("OPTIONS", {})
    if options.get("transaction_mode") != "IMMEDIATE" or "journal_mode=WAL" not in options.get(
        "init_command", ""
    ):
        return [
            checks.Warning(
                "SQLite is not opened for concurrent writers (WAL + IMMEDIATE transactions).",
                id="parley.W001",
            )
        ]
    return []
