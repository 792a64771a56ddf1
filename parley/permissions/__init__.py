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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from parley.accounts.models import Member
    from parley.forums.models import Forum, Post, Thread

MODERATOR_GROUP = "Moderators"


@dataclass(frozen=True)
class Perms:
    member: Member | None = None
    is_moderator: bool = False
    is_admin: bool = False
    group_names: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        return self.member is not None

    @property
    def member_id(self) -> int | None:
        return self.member.pk if self.member is not None else None


GUEST = Perms()


def perms_for(member: Member | None) -> Perms:
    if member is None or not member.is_authenticated or not member.is_active:
        return GUEST
    groups = frozenset(member.groups.values_list("name", flat=True))
    is_admin = member.is_superuser
    return Perms(
        member=member,
        is_admin=is_admin,
        is_moderator=is_admin or member.is_staff or MODERATOR_GROUP in groups,
        group_names=groups,
    )


def role_title(member: Member, perms: Perms | None = None) -> str:
    """The title under a member's name on their posts and profile."""
    if member.custom_title:
        return member.custom_title
    if member.is_superuser:
        return "Administrator"
    if member.is_staff:
        return "Moderator"
    return "Member"


# --- Seeing -------------------------------------------------------------------------------------


def can_view_forum(perms: Perms, forum: Forum) -> bool:
    return True


def can_view_thread(perms: Perms, thread: Thread) -> bool:
    return can_view_forum(perms, thread.forum) and (not thread.is_deleted or perms.is_moderator)


def can_view_post(perms: Perms, post: Post) -> bool:
    return can_view_thread(perms, post.thread) and (not post.is_deleted or perms.is_moderator)


def visible_forums(perms: Perms, qs: QuerySet[Forum]) -> QuerySet[Forum]:
    return qs


def visible_threads(perms: Perms, qs: QuerySet[Thread]) -> QuerySet[Thread]:
    return qs if perms.is_moderator else qs.filter(is_deleted=False)


def visible_posts(perms: Perms, qs: QuerySet[Post]) -> QuerySet[Post]:
    if perms.is_moderator:
        return qs
    return qs.filter(is_deleted=False, thread__is_deleted=False)


def get_forum_for(perms: Perms, forum_id: int) -> Forum:
    from parley.forums.models import Forum

    forum = Forum.objects.select_related("category").filter(pk=forum_id).first()
    if forum is None or not can_view_forum(perms, forum):
        raise Http404("No such forum.")
    return forum


def get_thread_for(perms: Perms, thread_id: int) -> Thread:
    from parley.forums.models import Thread

    thread = (
        Thread.objects.select_related("forum", "forum__category", "prefix")
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


# --- Doing --------------------------------------------------------------------------------------


def can_start_thread(perms: Perms, forum: Forum) -> bool:
    return perms.is_member and can_view_forum(perms, forum)


def can_reply(perms: Perms, thread: Thread) -> bool:
    if not perms.is_member or not can_view_thread(perms, thread):
        return False
    return not thread.is_locked or perms.is_moderator


def can_edit_post(perms: Perms, post: Post) -> bool:
    if not perms.is_member or post.is_deleted:
        return False
    if perms.is_moderator:
        return True
    return post.author_id == perms.member_id and not post.thread.is_locked


def can_delete_post(perms: Perms, post: Post) -> bool:
    if not perms.is_member or post.is_deleted:
        return False
    # The first post is the thread itself; deleting it is a thread action (moderation).
    if post.position == 1 and post.pk == post.thread.first_post_id:
        return perms.is_moderator
    if perms.is_moderator:
        return True
    return post.author_id == perms.member_id and not post.thread.is_locked


def can_report(perms: Perms, post: Post) -> bool:
    return perms.is_member and post.author_id != perms.member_id and not post.is_deleted


def can_moderate_thread(perms: Perms, thread: Thread) -> bool:
    return perms.is_moderator and can_view_thread(perms, thread)


def _ensure(allowed: bool, reason: str) -> None:
    if not allowed:
        raise PermissionDenied(reason)


def ensure_can_start_thread(perms: Perms, forum: Forum) -> None:
    _ensure(can_start_thread(perms, forum), "You must log in to start a thread.")


def ensure_can_reply(perms: Perms, thread: Thread) -> None:
    if perms.is_member and thread.is_locked and not perms.is_moderator:
        raise PermissionDenied("This thread is locked; no more replies can be posted.")
    _ensure(can_reply(perms, thread), "You must log in or register to reply here.")


def ensure_can_edit_post(perms: Perms, post: Post) -> None:
    _ensure(can_edit_post(perms, post), "You may not edit this post.")


def ensure_can_delete_post(perms: Perms, post: Post) -> None:
    _ensure(can_delete_post(perms, post), "You may not delete this post.")


def ensure_can_report(perms: Perms, post: Post) -> None:
    _ensure(can_report(perms, post), "You may not report this post.")


def ensure_can_moderate_thread(perms: Perms, thread: Thread) -> None:
    _ensure(can_moderate_thread(perms, thread), "Only moderators may do this.")
