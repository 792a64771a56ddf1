"""The one place that decides who may see or do what.

Views, templates, services and listings ask these functions; nothing else looks at roles.
`Perms` is built once per request (a null object for guests) so a question costs no query.

Kinds of function:
- `can_*(perms, obj) -> bool`           a yes/no for templates and services
- `ensure_can_*(perms, obj)`            raises PermissionDenied (403, with a reason) or Http404
- `get_*_for(perms, id)`               the only way a view obtains an object; missing and
                                        invisible look the same (404)
- `visible_*(perms, qs)`               filters every listing
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from parley.core import stamps
from parley.permissions import grants as _grants
from parley.permissions.registry import (
    ADMINISTRATORS,
    DELETE_OWN,
    EDIT_OWN,
    MODERATE,
    READ_THREADS,
    REPLY,
    REPORT,
    START_THREAD,
    VIEW_FORUM,
)

if TYPE_CHECKING:
    from parley.accounts.models import Member
    from parley.forums.models import Forum, Post, Thread


class Perms:
    """A reader's permissions for one request: no queries once the cached grants are loaded."""

    def __init__(
        self,
        member: Member | None,
        grants: _grants.Grants,
        moderated_forum_ids: frozenset[int] = frozenset(),
        is_admin: bool = False,
        ban: _grants.BanFacts | None = None,
        stamps: Mapping[str, int] | None = None,
    ) -> None:
        self.member = member
        self.grants = grants
        self.moderated_forum_ids = moderated_forum_ids  # as a per-forum moderator
        self.is_admin = is_admin
        self._ban = ban
        # The version stamps this request read, for caches keyed by them (badges).
        self.stamps: Mapping[str, int] = stamps or {}

    @property
    def is_member(self) -> bool:
        return self.member is not None

    @property
    def ban(self) -> _grants.BanFacts | None:
        """The member's active ban: they can log in and read, but not post or report."""
        if self._ban is None or (self._ban.ends_at and self._ban.ends_at <= timezone.now()):
            return None
        return self._ban

    @property
    def can_act(self) -> bool:
        """A member who is not banned (guests and banned members write nothing)."""
        return self.member is not None and self.ban is None

    @property
    def member_id(self) -> int | None:
        return self.member.pk if self.member is not None else None

    def has(self, permission: str, forum_id: int) -> bool:
        if self.is_admin or forum_id in self.moderated_forum_ids:
            return forum_id in self.grants.parents
        return self.grants.has(permission, forum_id)

    def forums_with(self, permission: str) -> frozenset[int]:
        found = self._forums.get(permission)
        if found is None:
            found = frozenset(f for f in self.grants.parents if self.has(permission, f))
            self._forums[permission] = found
        return found

    @cached_property
    def _forums(self) -> dict[str, frozenset[int]]:
        return {}

    @property
    def is_moderator(self) -> bool:
        """Moderates somewhere (for the report badge and moderator pages)."""
        return bool(self.forums_with(MODERATE))


def perms_for(member: Member | None, current: Mapping[str, int] | None = None) -> Perms:
    """`current`: the stamps read for this request (read here when not given)."""
    current = stamps.read_all() if current is None else current
    stamp = stamps.value(current, stamps.PERMS)
    if member is None or not member.is_authenticated or not member.is_active:
        guests = _grants.guests_group_id(stamp)
        grants = _grants.grants_for(frozenset([guests] if guests else []), stamp)
        return Perms(None, grants, stamps=current)
    facts = _grants.member_facts(member.pk, stamp)
    grants = _grants.grants_for(facts.group_ids, stamp)
    is_admin = member.is_superuser or ADMINISTRATORS in grants.group_names
    return Perms(member, grants, facts.moderated_forum_ids, is_admin, facts.ban, current)


def role_title(member: Member) -> str:
    """The title under a member's name: their custom title, else their top group's."""
    return member.custom_title or member.group_title or "Member"


# --- Seeing -------------------------------------------------------------------------------------


def can_view_forum(perms: Perms, forum: Forum) -> bool:
    return perms.has(VIEW_FORUM, forum.pk)


def can_moderate_forum(perms: Perms, forum_id: int) -> bool:
    return perms.has(MODERATE, forum_id)


def _published_or_allowed(perms: Perms, obj: Thread | Post, forum_id: int) -> bool:
    """Deleted content is for moderators; content awaiting approval also for its author."""
    if obj.is_deleted:
        return can_moderate_forum(perms, forum_id)
    if obj.awaiting_approval:
        return obj.author_id == perms.member_id or can_moderate_forum(perms, forum_id)
    return True


def can_view_thread(perms: Perms, thread: Thread) -> bool:
    if not perms.has(READ_THREADS, thread.forum_id):
        return False
    return _published_or_allowed(perms, thread, thread.forum_id)


def can_view_post(perms: Perms, post: Post) -> bool:
    if not can_view_thread(perms, post.thread):
        return False
    return _published_or_allowed(perms, post, post.thread.forum_id)


def visible_forums(perms: Perms, qs: QuerySet[Forum]) -> QuerySet[Forum]:
    return qs.filter(pk__in=perms.forums_with(VIEW_FORUM))


def visible_threads(perms: Perms, qs: QuerySet[Thread]) -> QuerySet[Thread]:
    """Threads in forums the reader may read; deleted ones only where they moderate."""
    moderated = perms.forums_with(MODERATE)
    published = Q(is_deleted=False, awaiting_approval=False)
    if perms.member_id:
        published |= Q(is_deleted=False, awaiting_approval=True, author_id=perms.member_id)
    return qs.filter(
        published | Q(forum_id__in=moderated), forum_id__in=perms.forums_with(READ_THREADS)
    )


def visible_posts(perms: Perms, qs: QuerySet[Post]) -> QuerySet[Post]:
    moderated = perms.forums_with(MODERATE)
    published = Q(
        is_deleted=False,
        awaiting_approval=False,
        thread__is_deleted=False,
        thread__awaiting_approval=False,
    )
    if perms.member_id:
        # Authors see their own held posts (marked as awaiting approval), in threads they see.
        mine = Q(author_id=perms.member_id)
        published |= (
            Q(is_deleted=False, thread__is_deleted=False)
            & (mine | Q(awaiting_approval=False))
            & (Q(thread__awaiting_approval=False) | Q(thread__author_id=perms.member_id))
        )
    return qs.filter(
        published | Q(thread__forum_id__in=moderated),
        thread__forum_id__in=perms.forums_with(READ_THREADS),
    )


def get_forum_for(perms: Perms, forum_id: int) -> Forum:
    from parley.forums.models import Forum

    forum = Forum.objects.select_related("category", "parent").filter(pk=forum_id).first()
    if forum is None or not can_view_forum(perms, forum):
        raise Http404("No such forum.")
    return forum


def get_thread_for(perms: Perms, thread_id: int) -> Thread:
    from parley.forums.models import Thread

    thread = (
        Thread.objects.select_related("forum", "forum__category", "forum__parent", "prefix")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None or not can_view_thread(perms, thread):
        raise Http404("No such thread.")
    return thread


def get_post_for(perms: Perms, post_id: int) -> Post:
    from parley.forums.models import Post

    post = (
        Post.objects.select_related("thread", "thread__forum", "author").filter(pk=post_id).first()
    )
    if post is None or not can_view_post(perms, post):
        raise Http404("No such post.")
    return post


def can_see_last_seen(perms: Perms, member: Member) -> bool:
    """Invisible members' activity is hidden from everyone but themselves and moderators."""
    return not member.is_invisible or perms.member_id == member.pk or perms.is_moderator


# --- Doing --------------------------------------------------------------------------------------


def can_start_thread(perms: Perms, forum: Forum) -> bool:
    return perms.can_act and perms.has(START_THREAD, forum.pk) and can_view_forum(perms, forum)


def can_reply(perms: Perms, thread: Thread) -> bool:
    if not perms.can_act or not can_view_thread(perms, thread):
        return False
    if not perms.has(REPLY, thread.forum_id):
        return False
    return not thread.is_locked or can_moderate_forum(perms, thread.forum_id)


def _own_and_open(perms: Perms, post: Post) -> bool:
    return post.author_id == perms.member_id and not post.thread.is_locked


def can_edit_post(perms: Perms, post: Post) -> bool:
    if not perms.can_act or post.is_deleted or not can_view_post(perms, post):
        return False
    forum_id = post.thread.forum_id
    if can_moderate_forum(perms, forum_id):
        return True
    if not (_own_and_open(perms, post) and perms.has(EDIT_OWN, forum_id)):
        return False
    return not _edit_window_passed(perms, post)


def _edit_window_passed(perms: Perms, post: Post) -> bool:
    """The most generous window of the member's groups (0: none) is over for this post."""
    window = perms.grants.edit_window_minutes
    return bool(window) and timezone.now() - post.created_at > timedelta(minutes=window)


def can_delete_post(perms: Perms, post: Post) -> bool:
    if not perms.can_act or post.is_deleted or not can_view_post(perms, post):
        return False
    forum_id = post.thread.forum_id
    # The first post is the thread itself; deleting it is a thread action (moderation).
    if post.pk == post.thread.first_post_id:
        return can_moderate_forum(perms, forum_id)
    if can_moderate_forum(perms, forum_id):
        return True
    return _own_and_open(perms, post) and perms.has(DELETE_OWN, forum_id)


def can_report(perms: Perms, post: Post) -> bool:
    return (
        perms.can_act
        and post.author_id != perms.member_id
        and not post.is_deleted
        and perms.has(REPORT, post.thread.forum_id)
        and can_view_post(perms, post)
    )


def can_moderate_thread(perms: Perms, thread: Thread) -> bool:
    return can_moderate_forum(perms, thread.forum_id) and can_view_thread(perms, thread)


def _ensure(allowed: bool, reason: str) -> None:
    if not allowed:
        raise PermissionDenied(reason)


def _ensure_not_banned(perms: Perms) -> None:
    if perms.ban is not None:
        until = (
            f" until {timezone.localtime(perms.ban.ends_at):%b %d, %Y}" if perms.ban.ends_at else ""
        )
        raise PermissionDenied(f"You have been banned{until}: {perms.ban.reason}")


def ensure_can_start_thread(perms: Perms, forum: Forum) -> None:
    if not perms.is_member:
        raise PermissionDenied("You must log in to start a thread.")
    _ensure_not_banned(perms)
    _ensure(can_start_thread(perms, forum), "You may not start threads in this forum.")


def ensure_can_reply(perms: Perms, thread: Thread) -> None:
    if not perms.is_member:
        raise PermissionDenied("You must log in or register to reply here.")
    _ensure_not_banned(perms)
    if thread.is_locked and not can_moderate_forum(perms, thread.forum_id):
        raise PermissionDenied("This thread is locked; no more replies can be posted.")
    _ensure(can_reply(perms, thread), "You may not reply in this forum.")


def _ensure_own_post_open(perms: Perms, post: Post, verb: str) -> None:
    """Say why an author may not change their own post any more (the thread was locked)."""
    if perms.member_id is None or post.author_id != perms.member_id:
        return
    if post.thread.is_locked and not can_moderate_forum(perms, post.thread.forum_id):
        raise PermissionDenied(f"This thread is locked; its posts can no longer be {verb}.")


def ensure_can_edit_post(perms: Perms, post: Post) -> None:
    _ensure_not_banned(perms)
    _ensure_own_post_open(perms, post, "edited")
    if can_edit_post(perms, post):
        return
    only_the_window = (
        perms.member_id is not None
        and _own_and_open(perms, post)
        and perms.has(EDIT_OWN, post.thread.forum_id)
        and not post.is_deleted
        and can_view_post(perms, post)
    )
    if only_the_window and _edit_window_passed(perms, post):
        minutes = perms.grants.edit_window_minutes
        raise PermissionDenied(
            f"Posts can be edited for {minutes} minute{'s' if minutes != 1 else ''} after "
            "posting; this one can no longer be edited."
        )
    raise PermissionDenied("You may not edit this post.")


def ensure_can_delete_post(perms: Perms, post: Post) -> None:
    _ensure_not_banned(perms)
    _ensure_own_post_open(perms, post, "deleted")
    _ensure(can_delete_post(perms, post), "You may not delete this post.")


def ensure_can_report(perms: Perms, post: Post) -> None:
    _ensure_not_banned(perms)
    _ensure(can_report(perms, post), "You may not report this post.")


def ensure_can_moderate_thread(perms: Perms, thread: Thread) -> None:
    """For thread services (lock, stick): a banned moderator reads but acts on nothing."""
    _ensure_not_banned(perms)
    _ensure(can_moderate_thread(perms, thread), "Only moderators may do this.")
