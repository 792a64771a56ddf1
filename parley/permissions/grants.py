"""Effective permissions: computed once per set of groups, cached, and read without queries.

Every entry, group membership or forum-tree change bumps one version number in the cache, which
retires every cached table at once (no per-key invalidation to forget)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import F

from parley.permissions.registry import (
    ALLOW,
    GUESTS,
    NEVER,
    PERMISSIONS,
    READ_THREADS,
    VIEW_FORUM,
)

CACHE_SECONDS = 300  # a safety net: versions are bumped on every change anyway
_VERSION_KEY = "perms:version"
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


def version() -> int:
    current = cache.get(_VERSION_KEY)
    if current is None:
        cache.add(_VERSION_KEY, 1, None)
        current = cache.get(_VERSION_KEY, 1)
    return int(current)


def bump_version() -> None:
    """Call after any change to groups, memberships, entries, moderators or the forum tree."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


def guests_group_id() -> int | None:
    key = f"perms:{version()}:guests"
    found = cache.get(key)
    if found is None:
        from django.contrib.auth.models import Group

        found = Group.objects.filter(name=GUESTS).values_list("pk", flat=True).first() or 0
        cache.set(key, found, CACHE_SECONDS)
    return found or None


def grants_for(group_ids: frozenset[int]) -> Grants:
    key = f"perms:{version()}:grants:{','.join(map(str, sorted(group_ids)))}"
    grants = cache.get(key)
    if grants is None:
        grants = _compute(group_ids)
        cache.set(key, grants, CACHE_SECONDS)
    return grants


def member_facts(member_id: int) -> MemberFacts:
    key = f"perms:{version()}:member:{member_id}"
    facts = cache.get(key)
    if facts is None:
        facts = _member_facts(member_id)
        cache.set(key, facts, CACHE_SECONDS)
    return facts


def _forum_tree() -> dict[int, int | None]:
    from parley.forums.models import Forum

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
    from django.contrib.auth.models import Group

    from parley.permissions.models import GroupProfile, PermissionEntry

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
    # A forum inside one the groups cannot view is hidden too, and reading needs viewing.
    for forum_id in parents:
        if any(VIEW_FORUM not in by_forum[a] for a in _chain(forum_id, parents)):
            by_forum[forum_id] = by_forum[forum_id] - {VIEW_FORUM, READ_THREADS}
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
    from parley.accounts.models import Member
    from parley.permissions.models import ForumModerator

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
    from parley.moderation.models import Ban

    ban = (
        Ban.objects.filter(member_id=member_id, lifted_at__isnull=True)
        .order_by(F("ends_at").desc(nulls_first=True))
        .values_list("reason", "ends_at")
        .first()
    )
    return MemberFacts(
        group_ids=group_ids,
        moderated_forum_ids=frozenset(moderated),
        ban=BanFacts(reason=ban[0], ends_at=ban[1]) if ban else None,
    )
