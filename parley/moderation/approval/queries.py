"""Reading the approval queue: held posts and threads in the forums the reader moderates."""

from __future__ import annotations

from dataclasses import dataclass

from parley.forums.models import Post, Thread
from parley.permissions.guardian import Perms
from parley.permissions.registry import MODERATE

QUEUE_MAX_ITEMS = 100  # per kind, oldest first: a queue longer than this is worked in turns


@dataclass(frozen=True)
class ApprovalQueue:
    threads: list[Thread]
    posts: list[Post]

    def __len__(self) -> int:
        return len(self.threads) + len(self.posts)


def approval_queue(perms: Perms) -> ApprovalQueue:
    """Held threads and held replies (in published threads) in the forums the reader
    moderates, oldest first. Two queries whatever the queue holds."""
    forums = perms.forums_with(MODERATE)
    threads = (
        Thread.objects.filter(awaiting_approval=True, is_deleted=False, forum_id__in=forums)
        .select_related("forum", "first_post")
        .order_by("created_at", "id")[:QUEUE_MAX_ITEMS]
    )
    posts = (
        Post.objects.filter(
            awaiting_approval=True,
            is_deleted=False,
            thread__awaiting_approval=False,
            thread__is_deleted=False,
            thread__forum_id__in=forums,
        )
        .select_related("thread", "thread__forum")
        .order_by("created_at", "id")[:QUEUE_MAX_ITEMS]
    )
    return ApprovalQueue(threads=list(threads), posts=list(posts))


def held_count(perms: Perms) -> int:
    """How many items wait in the reader's queue (for a badge)."""
    forums = perms.forums_with(MODERATE)
    threads = Thread.objects.filter(awaiting_approval=True, is_deleted=False, forum_id__in=forums)
    posts = Post.objects.filter(
        awaiting_approval=True,
        is_deleted=False,
        thread__awaiting_approval=False,
        thread__is_deleted=False,
        thread__forum_id__in=forums,
    )
    return threads.count() + posts.count()
