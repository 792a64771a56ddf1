"""Threads: seeing them (deleted ones for moderators, held ones also for their author), "Moved"
stubs, starting them and replying to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from parley.core.params import parse_id
from parley.core.prepared import PreparedQuery
from parley.forums.models import Forum, Post, Thread
from parley.permissions.guardian.forums import ForumGuardian
from parley.permissions.registry import MODERATE, READ_THREADS, REPLY, START_THREAD

Threads = TypeVar("Threads", bound=QuerySet[Thread])  # keeps a custom queryset's class


def _thread_by_id(values: Mapping[str, Any], shape: None) -> QuerySet[Thread]:
    # By primary key: no order, no limit (the ORM's first() would sort by the default ordering).
    related = Thread.objects.select_related("forum", "forum__category", "forum__parent", "prefix")
    return related.filter(pk=values["thread_id"]).order_by()


# Every page of a thread asks for it: its SQL is compiled once per process (core/prepared.py).
THREAD_BY_ID = PreparedQuery(Thread, _thread_by_id)


class ThreadGuardian(ForumGuardian):
    def _published_or_allowed(self, obj: Thread | Post, forum_id: int) -> bool:
        """Deleted content is for moderators; content awaiting approval also for its author."""
        if obj.is_deleted:
            return self.can_moderate_forum(forum_id)
        if obj.awaiting_approval:
            # A guest's member_id is None, as is the author of a held post whose member was
            # deleted: that is not authorship.
            own = self.member_id is not None and obj.author_id == self.member_id
            return own or self.can_moderate_forum(forum_id)
        return True

    def can_view_thread(self, thread: Thread) -> bool:
        if not self.has(READ_THREADS, thread.forum_id):
            return False
        return self._published_or_allowed(thread, thread.forum_id)

    def visible_threads(self, qs: Threads) -> Threads:
        """Threads in forums the reader may read; deleted ones only where they moderate."""
        moderated = self.forums_with(MODERATE)
        published = Q(is_deleted=False, awaiting_approval=False)
        if self.member_id:  # and their own held threads
            published = Q(is_deleted=False) & (
                Q(awaiting_approval=False) | Q(author_id=self.member_id)
            )
        return qs.filter(
            published | Q(forum_id__in=moderated), forum_id__in=self.forums_with(READ_THREADS)
        )

    def visible_redirects(self, qs: Threads) -> Threads:
        """Leaves out the "Moved" stubs that lead where the reader may not read (a stub's title
        must not outlive a move into a forum the reader cannot see); other threads pass."""
        readable = self.forums_with(READ_THREADS)
        return qs.filter(Q(redirect_to__isnull=True) | Q(redirect_to__forum_id__in=readable))

    def get_thread(self, thread_id: int) -> Thread:
        """The only way a view obtains a thread: missing and invisible look the same (404)."""
        # A URL's <int:> takes any digits: an id no column can hold names no thread.
        number = parse_id(thread_id)
        thread = None if number is None else THREAD_BY_ID.first(None, thread_id=number)
        if thread is None or not self.can_view_thread(thread):
            self._refuse("No such thread.", hidden=True)
        return thread

    def can_start_thread(self, forum: Forum) -> bool:
        return self.can_act and self.has(START_THREAD, forum.pk) and self.can_view_forum(forum)

    def ensure_can_start_thread(self, forum: Forum) -> None:
        self._ensure(self.is_member, "You must log in to start a thread.")
        self._ensure_not_banned()
        self._ensure(self.can_start_thread(forum), "You may not start threads in this forum.")

    def can_reply_to_thread(self, thread: Thread) -> bool:
        if not self.can_act or not self.can_view_thread(thread):
            return False
        if not self.has(REPLY, thread.forum_id):
            return False
        return not thread.is_locked or self.can_moderate_forum(thread.forum_id)

    def ensure_can_reply_to_thread(self, thread: Thread) -> None:
        self._ensure(self.is_member, "You must log in or register to reply here.")
        self._ensure_not_banned()
        self._ensure(
            not thread.is_locked or self.can_moderate_forum(thread.forum_id),
            "This thread is locked; no more replies can be posted.",
        )
        self._ensure(self.can_reply_to_thread(thread), "You may not reply in this forum.")
