"""Configuration that would split state between workers, found before it bites.

Production is several worker processes (and, at scale, several machines) sharing only the
database, the cache and the job queue. A per-process cache, a session that lives only in a cache
or a job queue that runs inside requests makes each worker believe something different; these
checks name the setting to change. `parley check` and `parley serve` run them."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from parley.core import knobs

# Caches whose contents one process cannot see from another.
PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
# Session engines whose logout can be lost or cannot reach other workers: cache-only sessions
# vanish or linger with the cache, cached_db keeps serving a deleted session from a cache that
# missed the delete, and signed cookies cannot be revoked at all.
UNREVOCABLE_SESSIONS = {
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.signed_cookies",
}
FIX_CACHE = (
    "Remove the cache override to use the default (diskcache files in PARLEY_DATA_DIR, shared "
    "by every process on this machine), or set PARLEY_REDIS_URL."
)


def shared_state_errors(workers: int) -> list[checks.Error]:
    """What would make `workers` processes disagree (bans, sessions, presence, badges)."""
    errors: list[checks.Error] = []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PROCESS_LOCAL_CACHES and workers > 1:
        errors.append(
            checks.Error(
                f"The default cache ({backend.rsplit('.', 1)[-1]}) lives in each process's "
                f"memory, so {workers} workers would each keep their own copy of state that "
                "readers must agree on.",
                hint=FIX_CACHE,
                id="parley.E001",
            )
        )
    if settings.SESSION_ENGINE in UNREVOCABLE_SESSIONS:
        errors.append(
            checks.Error(
                f"SESSION_ENGINE {settings.SESSION_ENGINE} cannot end a session in every worker "
                "(logging out could leave the old cookie working).",
                hint='Use "parley.accounts.sessions" (the default): sessions in the database.',
                id="parley.E002",
            )
        )
    huey = settings.HUEY
    if isinstance(huey, dict) and (
        huey.get("immediate") or str(huey.get("huey_class", "")).endswith("MemoryHuey")
    ):
        errors.append(
            checks.Error(
                "The job queue runs jobs inside requests or keeps them in one process's memory "
                "(HUEY immediate / MemoryHuey).",
                hint="Use the default HUEY setting (SQLite in PARLEY_DATA_DIR, or Redis with "
                "PARLEY_REDIS_URL) and run `parley worker` (`parley serve` starts one).",
                id="parley.E003",
            )
        )
    return errors


def several_machines_warnings() -> list[checks.Warning]:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") or knobs.REDIS_URL.get():
        return []
    return [
        checks.Warning(
            "PostgreSQL without Redis: the cache and the job queue are files on this machine, "
            "fine for one app server but not shared with a second one.",
            hint="Set PARLEY_REDIS_URL before adding another app server.",
            id="parley.W002",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_state(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """As a deployment check (`parley check`), assuming the several workers `parley serve`
    starts by default."""
    return [*shared_state_errors(workers=2), *several_machines_warnings()]
