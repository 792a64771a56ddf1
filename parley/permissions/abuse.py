"""shim: removed once moderation is converted. Approval and discipline questions now live in
`parley.permissions.guardian.approval` and `.discipline` (`request.perms.can_ban_member(m)`, …);
each function here asks the guardian the same question."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parley.accounts.models import Member
    from parley.forums.models import Post, Thread
    from parley.permissions.guardian import Perms


def can_bypass_flood(perms: Perms, forum_id: int) -> bool:
    return perms.can_bypass_flood(forum_id)


def can_post_without_approval(perms: Perms, forum_id: int) -> bool:
    return perms.can_post_without_approval(forum_id)


def can_view_approval_queue(perms: Perms) -> bool:
    return perms.can_view_approval_queue()


def ensure_can_view_approval_queue(perms: Perms) -> None:
    perms.ensure_can_view_approval_queue()


def ensure_can_approve(perms: Perms, item: Post | Thread) -> None:
    perms.ensure_can_approve(item)


def can_warn(perms: Perms, member: Member, post: Post | None = None) -> bool:
    return perms.can_warn_member(member, post)


def ensure_can_warn(perms: Perms, member: Member, post: Post | None = None) -> None:
    perms.ensure_can_warn_member(member, post)


def can_warn_post(perms: Perms, post: Post) -> bool:
    return perms.can_warn_post(post)


def can_ban(perms: Perms, member: Member) -> bool:
    return perms.can_ban_member(member)


def ensure_can_ban(perms: Perms, member: Member) -> None:
    perms.ensure_can_ban_member(member)
