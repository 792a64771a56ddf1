"""Effective permissions: computed once per set of groups and permission stamp, then read
without queries.

Every entry, group membership, forum moderator, ban or forum-tree change bumps the `perms` stamp
(`parley.core.stamps`) inside its transaction. Each request reads the stamp from the database, and
every table here is kept under it (`parley.core.versioned_cache`: the worker's own memory, then
the shared cache, so a table is computed once per board), so a change retires every copy in every
worker at once.

Member facts are what a question needs besides group entries: the member's groups, the forums
they moderate and their active ban. Groups and forum moderators are this app's own tables. Bans
are a moderation feature, above this layer, so their lookup is a hook this module owns: the
moderation app hands its lookup to `provide_ban_lookup` from `AppConfig.ready()` (a function
from member id to `BanFacts`, run inside the cached computation, so it still costs no query per
request). A hook rather than a copy of the ban rows here: the ban stays one row written by one
service, and the stamp it bumps already retires the cached facts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Group

from parley.accounts.models import Member
from parley.core import stamps
from parley.core.versioned_cache import VersionedCache
from parley.forums.models import Forum
from parley.permissions.models import ForumModerator, GroupProfile, PermissionEntry
from parley.permissions.registry import (
    ALLOW,
    GUESTS,
    NEVER,
    PERMISSIONS,
    VIEW_FORUM,
)

CACHE_SECONDS = 3600  # shared-cache entries are retired by the stamp; this only frees space
LOCAL_MAX_ENTRIES = 5_000  # per process: member facts for this many members, then start over
EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Grants:
    """What a set of groups may do in each forum, plus group-level settings."""

    by_forum: dict[int, frozenset[str]]
    parents: dict[int, int | None]
    edit_window_minutes: int  # 0 = no limit
    title: str
    group_names: frozenset[str]

    def has(self, permission: str, forum_id: int) -> bool:
        return permission in self.by_forum.get(forum_id, EMPTY)

    def forums_with(self, permission: str) -> frozenset[int]:
        return frozenset(f for f, names in self.by_forum.items() if permission in names)


@dataclass(frozen=True)
class BanFacts:
    reason: str
    ends_at: datetime | None  # None: permanent


@dataclass(frozen=True)
class MemberFacts:
    group_ids: frozenset[int]
    moderated_forum_ids: frozenset[int]  # ForumModerator rows, sub-forums included
    ban: BanFacts | None = None  # the active ban, if any (expiry is checked per request)


BanLookup = Callable[[int], BanFacts | None]  # member id -> their active ban


def _no_bans(member_id: int) -> BanFacts | None:
    """Until the app that owns bans provides its lookup (a board without it bans no one)."""
    return None


_ban_lookup: BanLookup = _no_bans


def provide_ban_lookup(lookup: BanLookup) -> None:
    """Called once by the app that owns bans, at start-up (before any request)."""
    global _ban_lookup
    _ban_lookup = lookup


# Group tables, the guests group and member facts, per stamp (shared keys `perms:<stamp>:…`).
tables = VersionedCache("perms", shared_seconds=CACHE_SECONDS, local_max_entries=LOCAL_MAX_ENTRIES)


def version() -> int:
    """The current permission stamp, read from the database (one query: call once per request
    and pass the number on)."""
    return stamps.value(stamps.read_all(), stamps.PERMS)


def bump_version() -> None:
    """Call inside the transaction of any change to groups, memberships, entries, moderators,
    bans or the forum tree."""
    stamps.bump(stamps.PERMS)


def guests_group_id(stamp: int) -> int | None:
    def compute() -> int:
        return Group.objects.filter(name=GUESTS).values_list("pk", flat=True).first() or 0

    return tables.get_or_compute(stamp, "guests", compute) or None


def grants_for(group_ids: frozenset[int], stamp: int) -> Grants:
    key = f"grants:{','.join(map(str, sorted(group_ids)))}"
    return tables.get_or_compute(stamp, key, lambda: _compute(group_ids))


def member_facts(member_id: int, stamp: int) -> MemberFacts:
    return tables.get_or_compute(stamp, f"member:{member_id}", lambda: _member_facts(member_id))


def _forum_tree() -> dict[int, int | None]:
    return dict(Forum.objects.values_list("pk", "parent_id"))


def _chain(forum_id: int, parents: dict[int, int | None]) -> list[int]:
    """The forum and its ancestors, nearest first (bounded against a corrupt cyclic tree)."""
    chain: list[int] = []
    current: int | None = forum_id
    while current is not None and current not in chain and len(chain) < 32:
        chain.append(current)
        current = parents.get(current)
    return chain


def _compute(group_ids: frozenset[int]) -> Grants:
    parents = _forum_tree()
    entries: dict[tuple[int, int | None, str], str] = {
        (e.group_id, e.forum_id, e.permission): e.value
        for e in PermissionEntry.objects.filter(group_id__in=group_ids)
    }
    by_forum: dict[int, frozenset[str]] = {}
    for forum_id in parents:
        chain = [*_chain(forum_id, parents), None]
        allowed = set()
        for permission in PERMISSIONS:
            values = set()
            for group_id in group_ids:
                for level in chain:  # nearest entry wins for this group
                    value = entries.get((group_id, level, permission))
                    if value is not None:
                        values.add(value)
                        break
            if NEVER not in values and ALLOW in values:
                allowed.add(permission)
        by_forum[forum_id] = frozenset(allowed)
    # A forum inside one the groups cannot view is hidden too, and every other permission needs
    # viewing: moderating, reporting or replying in a forum one cannot see would leak it (a
    # global moderator reading a private forum's reports, say).
    hidden = {
        forum_id
        for forum_id in parents
        if any(VIEW_FORUM not in by_forum[a] for a in _chain(forum_id, parents))
    }
    for forum_id in hidden:
        by_forum[forum_id] = EMPTY
    profiles = list(GroupProfile.objects.filter(group_id__in=group_ids))
    windows = [p.edit_window_minutes for p in profiles]
    top = max(profiles, key=lambda p: p.display_priority, default=None)
    return Grants(
        by_forum=by_forum,
        parents=parents,
        edit_window_minutes=0 if not windows or 0 in windows else max(windows),
        title=top.user_title if top else "",
        group_names=frozenset(
            Group.objects.filter(pk__in=group_ids).values_list("name", flat=True)
        ),
    )


def _member_facts(member_id: int) -> MemberFacts:
    group_ids = frozenset(
        Member.groups.through.objects.filter(member_id=member_id).values_list("group_id", flat=True)
    )
    direct = set(
        ForumModerator.objects.filter(member_id=member_id).values_list("forum_id", flat=True)
    )
    moderated: set[int] = set()
    if direct:
        parents = _forum_tree()
        moderated = {f for f in parents if direct & set(_chain(f, parents))}
    return MemberFacts(
        group_ids=group_ids,
        moderated_forum_ids=frozenset(moderated),
        ban=_ban_lookup(member_id),
    )
