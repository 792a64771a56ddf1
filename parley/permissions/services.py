"""Writes to groups, memberships, permission entries and forum moderators. Each one bumps the
permission stamp inside its transaction (grants.bump_version), which retires every cached
permission table in every worker from the next request on."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from parley.accounts.models import Member
from parley.forums.models import Forum
from parley.permissions import grants
from parley.permissions.models import ForumModerator, GroupProfile, PermissionEntry
from parley.permissions.registry import (
    ADMINISTRATORS,
    ALLOW,
    DENY,
    MODERATORS,
    PERMISSIONS,
    READ_THREADS,
    REGISTERED,
    SYSTEM_GROUPS,
    VALUES,
    VIEW_FORUM,
)


def _retire_tables() -> None:
    # Inside the caller's transaction: the new stamp commits together with the change.
    grants.bump_version()


def group_named(name: str) -> Group:
    return Group.objects.get(name=name)


def set_member_groups(*, member: Member, groups: Iterable[Group]) -> None:
    """Replace a member's groups; the top group's user title becomes their title."""
    groups = list(groups)
    with transaction.atomic():
        member.groups.set(groups)
        top = (
            GroupProfile.objects.filter(group__in=groups)
            .order_by("-display_priority", "group_id")
            .first()
        )
        member.group_title = top.user_title if top else ""
        member.is_staff = any(g.name in (ADMINISTRATORS, MODERATORS) for g in groups)
        member.save(update_fields=["group_title", "is_staff"])
        _retire_tables()


def refresh_member_titles(*, member_ids: Iterable[int] | None = None) -> int:
    """Store each member's title again from their groups as they are now (after a group's
    title or display priority changed, or a group was deleted); None: every member. One
    statement; returns how many members it looked at."""
    top_title = (
        GroupProfile.objects.filter(group__user=OuterRef("pk"))
        .order_by("-display_priority", "group_id")
        .values("user_title")[:1]
    )
    members = (
        Member.objects.all()
        if member_ids is None
        else Member.objects.filter(pk__in=list(member_ids))
    )
    with transaction.atomic():
        return members.update(group_title=Coalesce(Subquery(top_title), Value("")))


def add_member_to_group(*, member: Member, name: str) -> None:
    set_member_groups(member=member, groups=[*member.groups.all(), group_named(name)])


def ensure_system_groups() -> None:
    """Create any missing built-in group with its profile and global permissions (the initial
    migration does this; a flushed or hand-edited database gets them back here)."""
    with transaction.atomic():
        for name, title, priority, allowed in SYSTEM_GROUPS:
            group, created = Group.objects.get_or_create(name=name)
            GroupProfile.objects.get_or_create(
                group=group,
                defaults={"user_title": title, "display_priority": priority, "is_system": True},
            )
            if created:
                PermissionEntry.objects.bulk_create(
                    PermissionEntry(group=group, forum=None, permission=p, value=ALLOW)
                    for p in allowed
                )
        _retire_tables()


def join_registered(member: Member) -> None:
    """Every new member starts in Registered; superusers also join Administrators and staff
    Moderators (how `createadmin` and the demo make theirs)."""
    if not Group.objects.filter(name=REGISTERED).exists():
        ensure_system_groups()
    names = [REGISTERED]
    if member.is_superuser:
        names.append(ADMINISTRATORS)
    elif member.is_staff:
        names.append(MODERATORS)
    set_member_groups(member=member, groups=Group.objects.filter(name__in=names))


def set_permission(
    *, group: Group, permission: str, value: str | None, forum: Forum | None = None
) -> None:
    """Set (or with None, clear) one entry, global or for one forum and its sub-forums."""
    if permission not in PERMISSIONS:
        raise ValueError(f"Unknown permission {permission!r}")
    if value is not None and value not in dict(VALUES):
        raise ValueError(f"Unknown value {value!r}")
    with transaction.atomic():
        if value is None:
            PermissionEntry.objects.filter(group=group, forum=forum, permission=permission).delete()
        else:
            PermissionEntry.objects.update_or_create(
                group=group, forum=forum, permission=permission, defaults={"value": value}
            )
        _retire_tables()


def make_forum_private(*, forum: Forum, allowed_groups: Iterable[Group]) -> None:
    """Only `allowed_groups` (and administrators, moderators of the forum) see the forum: every
    other group gets "No" for viewing and reading it, as XenForo's private nodes do."""
    allowed = {g.pk for g in allowed_groups}
    with transaction.atomic():
        for group in Group.objects.all():
            value = "allow" if group.pk in allowed else DENY
            for permission in (VIEW_FORUM, READ_THREADS):
                set_permission(group=group, permission=permission, value=value, forum=forum)


def add_forum_moderator(*, member: Member, forum: Forum) -> None:
    with transaction.atomic():
        ForumModerator.objects.get_or_create(member=member, forum=forum)
        _retire_tables()


def remove_forum_moderator(*, member: Member, forum: Forum) -> None:
    with transaction.atomic():
        ForumModerator.objects.filter(member=member, forum=forum).delete()
        _retire_tables()


def forum_tree_changed() -> None:
    """Forums were added, moved or removed: permission tables depend on the tree."""
    _retire_tables()


def permissions_changed() -> None:
    """Anything else a permission answer depends on changed (a ban, a lifted ban)."""
    _retire_tables()
