"""shim: removed once moderation is converted. Moderator-action questions now live in
`parley.permissions.guardian.moderation` (`request.perms.can_moderate_thread(thread)`, …); each
function here asks the guardian the same question."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from parley.permissions.guardian.moderation import INLINE_MAX_ITEMS

if TYPE_CHECKING:
    from parley.forums.models import Forum, Post, Thread
    from parley.permissions.guardian import Perms

__all__ = ["INLINE_MAX_ITEMS"]


def can_act_on_thread(perms: Perms, thread: Thread) -> bool:
    return perms.can_moderate_thread(thread)


def can_moderate_threads_in(perms: Perms, forum: Forum) -> bool:
    return perms.can_moderate_threads_in(forum)


def can_hard_delete(perms: Perms, obj: Post | Thread) -> bool:
    return perms.can_hard_delete(obj)


def can_view_moderator_log(perms: Perms) -> bool:
    return perms.can_view_moderator_log()


def visible_target_forums(perms: Perms, qs: QuerySet[Forum]) -> QuerySet[Forum]:
    return perms.visible_target_forums(qs)


def ensure_can_moderate_threads_in(perms: Perms, forum: Forum) -> None:
    perms.ensure_can_moderate_threads_in(forum)


def ensure_can_moderate_post(perms: Perms, post: Post) -> None:
    perms.ensure_can_moderate_post(post)


def ensure_can_act_on_thread(perms: Perms, thread: Thread) -> None:
    perms.ensure_can_moderate_thread(thread)


def ensure_can_hard_delete(perms: Perms, obj: Post | Thread) -> None:
    perms.ensure_can_hard_delete(obj)


def ensure_can_view_history(perms: Perms, post: Post) -> None:
    perms.ensure_can_view_history(post)


def ensure_can_view_moderator_log(perms: Perms) -> None:
    perms.ensure_can_view_moderator_log()


def ensure_can_move_thread_to(perms: Perms, thread: Thread, forum: Forum) -> None:
    perms.ensure_can_move_thread_to(thread, forum)


def ensure_can_merge_threads(perms: Perms, target: Thread, sources: Iterable[Thread]) -> None:
    perms.ensure_can_merge_threads(target, sources)


def ensure_can_split_posts_to(perms: Perms, thread: Thread, forum: Forum) -> None:
    perms.ensure_can_split_posts_to(thread, forum)


def get_posts_to_moderate_for(perms: Perms, thread: Thread, ids: Iterable[int]) -> list[Post]:
    return perms.get_posts_to_moderate(thread, ids)


def get_threads_to_moderate_for(perms: Perms, forum: Forum, ids: Iterable[int]) -> list[Thread]:
    return perms.get_threads_to_moderate(forum, ids)
