"""Version stamps every worker reads from the database: how a change reaches all processes on
the very next request, and survives a cache outage.

A change that readers must see at once (a ban, a group or permission entry, a forum moderator,
the forum tree) calls `bump` inside its own transaction, so the new number
commits atomically with the change. Each request reads every stamp in one small query
(`read_all`), and anything cached anywhere (a worker's memory, diskcache, Redis) is keyed by the
stamp it was computed under, so a bump retires every copy in every process at once. Nothing that
must not be lost is kept only in a cache: the database is the one shared store that cannot
silently drop a write."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection, transaction
from django.db.models import F

from parley.core.models import Stamp

PERMS = "perms"  # groups, entries, forum moderators, bans, forum tree
# Anything a guest could see; bumped by every such write (`core/page_cache.py`), not by `bump`.
CONTENT = "content"

INITIAL = 1


def read_all() -> Mapping[str, int]:
    """Every stamp, in one query (a handful of rows)."""
    table = connection.ops.quote_name(Stamp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, value FROM {table}")  # noqa: S608 (our own table name)
        return dict(cursor.fetchall())


def value(stamps: Mapping[str, int], name: str) -> int:
    return int(stamps.get(name, INITIAL))


def bump(name: str) -> None:
    """Move a stamp forward. Call inside the transaction that makes the change."""
    connection.parley_bumped_stamps = True  # type: ignore[attr-defined]
    with transaction.atomic():
        if not Stamp.objects.filter(name=name).update(value=F("value") + 1):
            # The migration creates the rows; this is for a database emptied by hand. Readers
            # assumed INITIAL for a missing row, so start above it.
            Stamp.objects.get_or_create(name=name, defaults={"value": INITIAL + 1})


def uncommitted_bump() -> bool:
    """Has this connection bumped a stamp in a transaction that is still open? Then what it
    reads is not yet what other workers read under that stamp (and may be rolled back), so
    nothing computed now may be cached."""
    if not getattr(connection, "parley_bumped_stamps", False):
        return False
    if connection.in_atomic_block:
        return True
    connection.parley_bumped_stamps = False  # type: ignore[attr-defined]
    return False


def forget_uncommitted_bump() -> None:
    """For tests, whose transactions are rolled back rather than committed."""
    connection.parley_bumped_stamps = False  # type: ignore[attr-defined]
