"""Who may approve held content, warn, ban and skip flood control. Part of the permissions
module: nothing outside `parley.permissions` reads roles, so these questions are answered here.

Warning and banning follow XenForo: a moderator may warn members posting in forums they moderate;
banning (and the spam cleaner, which bans) is for administrators and global moderators. Staff
are not warned or banned by their peers: only an administrator may discipline a moderator, and
nobody disciplines an administrator or themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from parley.permissions import Perms, can_moderate_forum, perms_for
from parley.permissions.registry import BYPASS_FLOOD, MODERATORS, POST_WITHOUT_APPROVAL

if TYPE_CHECKING:
    from parley.accounts.models import Member
    from parley.forums.models import Post, Thread


def is_global_moderator(perms: Perms) -> bool:
    """An administrator, or a member of the Moderators group (as opposed to a moderator of
    some forums only)."""
    return perms.is_admin or MODERATORS in perms.grants.group_names


def can_bypass_flood(perms: Perms, forum_id: int) -> bool:
    return perms.has(BYPASS_FLOOD, forum_id)


def can_post_without_approval(perms: Perms, forum_id: int) -> bool:
    return perms.has(POST_WITHOUT_APPROVAL, forum_id)


def can_view_approval_queue(perms: Perms) -> bool:
    return perms.can_act and perms.is_moderator


def can_approve(perms: Perms, item: Post | Thread) -> bool:
    """Approve or reject a held post or thread: moderators of its forum."""
    from parley.forums.models import Post

    forum_id = item.thread.forum_id if isinstance(item, Post) else item.forum_id
    return perms.can_act and can_moderate_forum(perms, forum_id)


def _outranks(perms: Perms, member: Member) -> bool:
    if member.pk == perms.member_id or not member.is_active:
        return False
    target = perms_for(member)
    if target.is_admin:
        return False
    return perms.is_admin or not target.is_moderator


def can_warn(perms: Perms, member: Member, post: Post | None = None) -> bool:
    """Warn a member (for a post: only where the reader moderates that post's forum)."""
    if not perms.can_act or not perms.is_moderator:
        return False
    if post is not None and not can_moderate_forum(perms, post.thread.forum_id):
        return False
    return _outranks(perms, member)


def can_warn_post(perms: Perms, post: Post) -> bool:
    """Whether to offer "Warn" on a post: no query, for pages listing many posts. The warn page
    itself asks `can_warn` in full (staff authors are refused there)."""
    return (
        perms.can_act
        and post.author_id is not None
        and post.author_id != perms.member_id
        and can_moderate_forum(perms, post.thread.forum_id)
    )


def can_ban(perms: Perms, member: Member) -> bool:
    """Ban, lift a ban, or run the spam cleaner on a member."""
    return perms.can_act and is_global_moderator(perms) and _outranks(perms, member)


def ensure_can_view_approval_queue(perms: Perms) -> None:
    if not can_view_approval_queue(perms):
        raise PermissionDenied("Only moderators may see the approval queue.")


def ensure_can_approve(perms: Perms, item: Post | Thread) -> None:
    if not can_approve(perms, item):
        raise PermissionDenied("Only moderators of this forum may approve or reject this.")


def ensure_can_warn(perms: Perms, member: Member, post: Post | None = None) -> None:
    if not can_warn(perms, member, post):
        raise PermissionDenied("You may not warn this member.")


def ensure_can_ban(perms: Perms, member: Member) -> None:
    if not can_ban(perms, member):
        raise PermissionDenied("You may not ban this member.")
