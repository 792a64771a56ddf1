"""Posts: seeing them, and an author's own edits and deletions (moderators' go through
`moderation.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone

from parley.forums.models import Post, Thread
from parley.permissions.guardian.threads import ThreadGuardian
from parley.permissions.registry import DELETE_OWN, EDIT_OWN, MODERATE, READ_THREADS

Posts = TypeVar("Posts", bound=QuerySet[Post])  # keeps a custom queryset's class

# Which posts of one thread a reader sees, by the shape of the SQL that says so.
PostsShape = Literal["none", "all", "published", "published_or_own"]


def posts_in_thread_filter(shape: PostsShape, values: Mapping[str, int]) -> Q:
    """The filter on a thread's posts for `shape`, with the values it takes (`member_id` for
    "published_or_own"): prepared queries build it with stand-ins, so the SQL's text depends on
    the shape alone."""
    if shape == "all":
        return Q()
    if shape == "published":
        return Q(is_deleted=False, awaiting_approval=False)
    if shape == "published_or_own":
        return Q(is_deleted=False) & (Q(awaiting_approval=False) | Q(author_id=values["member_id"]))
    return Q(pk__in=[])  # "none": matches nothing, and Django runs no query for it


@dataclass(frozen=True)
class PostsInThread:
    """Which posts of one thread a reader sees (`PostGuardian.posts_in_thread`): `shape` names
    the filter's SQL (a prepared query's shape key), `values` are the values that SQL takes."""

    shape: PostsShape
    values: Mapping[str, int] = field(default_factory=dict)

    def q(self) -> Q:
        return posts_in_thread_filter(self.shape, self.values)


class PostGuardian(ThreadGuardian):
    def can_view_post(self, post: Post) -> bool:
        if not self.can_view_thread(post.thread):
            return False
        return self._published_or_allowed(post, post.thread.forum_id)

    def visible_posts(self, qs: Posts) -> Posts:
        moderated = self.forums_with(MODERATE)
        if self.member_id:
            # Authors also see their own held posts (marked as awaiting approval), and the posts
            # of their own held thread.
            published = (
                Q(is_deleted=False, thread__is_deleted=False)
                & (Q(awaiting_approval=False) | Q(author_id=self.member_id))
                & (Q(thread__awaiting_approval=False) | Q(thread__author_id=self.member_id))
            )
        else:
            published = Q(
                is_deleted=False,
                awaiting_approval=False,
                thread__is_deleted=False,
                thread__awaiting_approval=False,
            )
        return qs.filter(
            published | Q(thread__forum_id__in=moderated),
            thread__forum_id__in=self.forums_with(READ_THREADS),
        )

    def posts_in_thread(self, thread: Thread) -> PostsInThread:
        """The posts of `thread` this reader sees, exactly those `visible_posts` gives of it,
        decided from the thread as loaded (by `get_thread`): the thread and its forum are asked
        about here, once, so the posts' query needs no join to them, only each post's own state.
        Deleted posts are for moderators of the forum, held ones also for their author."""
        if not self.can_view_thread(thread):
            return PostsInThread("none")
        if self.can_moderate_forum(thread.forum_id):
            return PostsInThread("all")
        if self.member_id is not None:
            return PostsInThread("published_or_own", {"member_id": self.member_id})
        return PostsInThread("published")

    def visible_posts_in_thread(self, qs: Posts, thread: Thread) -> Posts:
        """`visible_posts` for the posts of one thread, without the joins (`posts_in_thread`)."""
        return qs.filter(self.posts_in_thread(thread).q(), thread_id=thread.pk)

    def get_post(self, post_id: int) -> Post:
        """The only way a view obtains a post: missing and invisible look the same (404)."""
        post = (
            Post.objects.select_related("thread", "thread__forum", "author")
            .filter(pk=post_id)
            .first()
        )
        if post is None or not self.can_view_post(post):
            self._refuse("No such post.", hidden=True)
        return post

    # --- An author's own post -------------------------------------------------------------------

    def _own_and_open(self, post: Post) -> bool:
        return post.author_id == self.member_id and not post.thread.is_locked

    def _edit_window_passed(self, post: Post) -> bool:
        """The most generous window of the member's groups (0: none) is over for this post."""
        window = self.grants.edit_window_minutes
        return bool(window) and timezone.now() - post.created_at > timedelta(minutes=window)

    def _ensure_own_post_open(self, post: Post, verb: str) -> None:
        """Say why an author may not change their own post any more (the thread was locked)."""
        if self.member_id is None or post.author_id != self.member_id:
            return
        self._ensure(
            not post.thread.is_locked or self.can_moderate_forum(post.thread.forum_id),
            f"This thread is locked; its posts can no longer be {verb}.",
        )

    def can_edit_post(self, post: Post) -> bool:
        if not self.can_act or post.is_deleted or not self.can_view_post(post):
            return False
        forum_id = post.thread.forum_id
        if self.can_moderate_forum(forum_id):
            return True
        if not (self._own_and_open(post) and self.has(EDIT_OWN, forum_id)):
            return False
        return not self._edit_window_passed(post)

    def ensure_can_edit_post(self, post: Post) -> None:
        self._ensure_not_banned()
        self._ensure_own_post_open(post, "edited")
        if self.can_edit_post(post):
            return
        only_the_window = (
            self.member_id is not None
            and self._own_and_open(post)
            and self.has(EDIT_OWN, post.thread.forum_id)
            and not post.is_deleted
            and self.can_view_post(post)
        )
        if only_the_window and self._edit_window_passed(post):
            minutes = self.grants.edit_window_minutes
            self._refuse(
                f"Posts can be edited for {minutes} minute{'s' if minutes != 1 else ''} after "
                "posting; this one can no longer be edited."
            )
        self._refuse("You may not edit this post.")

    def can_delete_post(self, post: Post) -> bool:
        if not self.can_act or post.is_deleted or not self.can_view_post(post):
            return False
        forum_id = post.thread.forum_id
        # The first post is the thread itself; deleting it is a thread action (moderation).
        if post.pk == post.thread.first_post_id:
            return self.can_moderate_forum(forum_id)
        if self.can_moderate_forum(forum_id):
            return True
        return self._own_and_open(post) and self.has(DELETE_OWN, forum_id)

    def ensure_can_delete_post(self, post: Post) -> None:
        self._ensure_not_banned()
        self._ensure_own_post_open(post, "deleted")
        self._ensure(self.can_delete_post(post), "You may not delete this post.")
