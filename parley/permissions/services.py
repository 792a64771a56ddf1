"""Writes to groups, memberships, permission entries and forum moderators. Each one bumps the
permission stamp inside its transaction (grants.bump_version), which retires every cached
permission table in every worker from the next request on. Django's admin makes its changes to
these through here too (`parley/permissions/admin.py`, `parley/accounts/admin.py`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
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


# Who may open Django's admin site (`is_staff`) follows from the groups, never from a checkbox.
STAFF_GROUPS = (ADMINISTRATORS, MODERATORS)


def set_member_groups(*, member: Member, groups: Iterable[Group]) -> None:
    """Replace a member's groups; the top group's user title becomes their title. `is_staff`
    (may open the admin site) follows: members of Administrators or Moderators, and
    superusers, have it."""
    groups = list(groups)
    with transaction.atomic():
        member.groups.set(groups)
        top = (
            GroupProfile.objects.filter(group__in=groups)
            .order_by("-display_priority", "group_id")
            .first()
        )
        member.group_title = top.user_title if top else ""
        member.is_staff = member.is_superuser or any(g.name in STAFF_GROUPS for g in groups)
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


def add_forum_moderator(*, member: Member, forum: Forum) -> ForumModerator:
    with transaction.atomic():
        moderator, _ = ForumModerator.objects.get_or_create(member=member, forum=forum)
        _retire_tables()
    return moderator


def remove_forum_moderator(*, member: Member, forum: Forum) -> None:
    with transaction.atomic():
        ForumModerator.objects.filter(member=member, forum=forum).delete()
        _retire_tables()


def remove_forum_moderators(*, moderators: Iterable[ForumModerator]) -> int:
    """Remove several forum moderator rows at once (the admin's bulk delete); returns how many
    went."""
    ids = [m.pk for m in moderators]
    with transaction.atomic():
        deleted, _ = ForumModerator.objects.filter(pk__in=ids).delete()
        _retire_tables()
    return deleted


# --- Groups -------------------------------------------------------------------------------------


def is_system_group(group: Group) -> bool:
    """A built-in group: code finds it by name (Registered for every new member,
    Administrators for admin rights), so it keeps its name and cannot be deleted."""
    return GroupProfile.objects.filter(group_id=group.pk, is_system=True).exists()


def save_group(*, group: Group) -> Group:
    """Create a group or store its new name (names answer "is this member an administrator?",
    so a rename retires the tables). A built-in group's name stays."""
    with transaction.atomic():
        if group.pk is not None:
            stored = Group.objects.select_for_update().get(pk=group.pk)
            if stored.name != group.name and is_system_group(stored):
                raise ValidationError(
                    f"{stored.name} is a built-in group; it keeps its name.", code="system_group"
                )
        group.save()
        _retire_tables()
    return group


def save_group_profile(
    *,
    group: Group,
    user_title: str,
    display_priority: int,
    edit_window_minutes: int,
) -> GroupProfile:
    """Set what a group means on the board besides its permissions. Members store their top
    group's title (shown on every post card), so the group's members are retitled."""
    with transaction.atomic():
        profile, _ = GroupProfile.objects.update_or_create(
            group=group,
            defaults={
                "user_title": user_title.strip(),
                "display_priority": display_priority,
                "edit_window_minutes": edit_window_minutes,
            },
        )
        refresh_member_titles(member_ids=group.user_set.values_list("pk", flat=True))
        _retire_tables()
    return profile


def delete_groups(*, groups: Iterable[Group]) -> int:
    """Delete groups with their permission entries; their members lose them and are retitled
    from the groups they keep. Built-in groups are refused. Returns how many went."""
    groups = list(groups)
    with transaction.atomic():
        ids = [g.pk for g in groups]
        system = GroupProfile.objects.filter(group_id__in=ids, is_system=True)
        if names := list(system.values_list("group__name", flat=True)):
            raise ValidationError(
                f"Built-in groups cannot be deleted: {', '.join(sorted(names))}.",
                code="system_group",
            )
        members = list(
            Member.groups.through.objects.filter(group_id__in=ids).values_list(
                "member_id", flat=True
            )
        )
        Group.objects.filter(pk__in=ids).delete()
        refresh_member_titles(member_ids=members)
        _retire_tables()
    return len(ids)


def forum_tree_changed() -> None:
    """Forums were added, moved or removed: permission tables depend on the tree."""
    _retire_tables()


def permissions_changed() -> None:
    """Anything else a permission answer depends on changed (a ban, a lifted ban)."""
    _retire_tables()
