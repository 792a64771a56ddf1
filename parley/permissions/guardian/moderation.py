"""Moderator actions (soft and hard deletes, moving, merging and splitting threads, inline
moderation), post history and the moderator log. A banned moderator reads like a moderator but
acts on nothing, and is told why."""

from __future__ import annotations

from collections.abc import Iterable

from parley.forums.models import Forum, Post, Thread
from parley.permissions.guardian.forums import Forums
from parley.permissions.guardian.posts import PostGuardian
from parley.permissions.registry import MODERATE, START_THREAD

INLINE_MAX_ITEMS = 200  # one inline action touches at most this many posts or threads
ONLY_MODERATORS = "Only moderators of this forum may do this."


class ModerationGuardian(PostGuardian):
    def can_moderate_post(self, post: Post) -> bool:
        """Soft delete, undelete, edit with a reason: moderators of the post's forum."""
        return (
            self.can_act
            and self.can_moderate_forum(post.thread.forum_id)
            and self.can_view_post(post)
        )

    def ensure_can_moderate_post(self, post: Post) -> None:
        self._ensure_not_banned()
        self._ensure(self.can_moderate_post(post), ONLY_MODERATORS)

    def can_moderate_thread(self, thread: Thread) -> bool:
        """Every thread action (lock, stick, delete, prefix, move out, merge, edit): moderators
        of its forum who see it and are not banned."""
        return (
            self.can_act
            and self.can_moderate_forum(thread.forum_id)
            and self.can_view_thread(thread)
        )

    def ensure_can_moderate_thread(self, thread: Thread) -> None:
        self._ensure_not_banned()
        self._ensure(self.can_moderate_thread(thread), ONLY_MODERATORS)

    def can_moderate_threads_in(self, forum: Forum) -> bool:
        """Inline moderation of a forum's thread list."""
        return self.can_act and self.can_moderate_forum(forum.pk)

    def ensure_can_moderate_threads_in(self, forum: Forum) -> None:
        self._ensure_not_banned()
        self._ensure(self.can_moderate_threads_in(forum), ONLY_MODERATORS)

    def can_hard_delete(self, obj: Post | Thread) -> bool:
        """Removing rows for good is for administrators."""
        if not (self.can_act and self.is_admin):
            return False
        return self.can_view_post(obj) if isinstance(obj, Post) else self.can_view_thread(obj)

    def ensure_can_hard_delete(self, obj: Post | Thread) -> None:
        self._ensure(self.can_hard_delete(obj), "Only administrators may delete permanently.")

    # --- Where threads may go -------------------------------------------------------------------

    def can_post_into(self, forum: Forum) -> bool:
        """A forum a moderator may put a thread into (move, split): they see it and may start
        threads there or moderate it."""
        return self.can_view_forum(forum) and (
            self.can_start_thread(forum) or self.can_moderate_forum(forum.pk)
        )

    def visible_target_forums(self, qs: Forums) -> Forums:
        """Forums `can_post_into` allows, for the move and split forms' choices."""
        allowed = self.forums_with(START_THREAD) if self.can_act else frozenset()
        return self.visible_forums(qs).filter(pk__in=allowed | self.forums_with(MODERATE))

    def can_move_thread_to(self, thread: Thread, forum: Forum) -> bool:
        return (
            self.can_moderate_thread(thread)
            and forum.pk != thread.forum_id
            and self.can_post_into(forum)
        )

    def ensure_can_move_thread_to(self, thread: Thread, forum: Forum) -> None:
        self.ensure_can_moderate_thread(thread)
        self._ensure(
            self.can_move_thread_to(thread, forum), "You may not move threads to that forum."
        )

    def can_merge_threads(self, target: Thread, sources: Iterable[Thread]) -> bool:
        return all(self.can_moderate_thread(t) for t in (target, *sources))

    def ensure_can_merge_threads(self, target: Thread, sources: Iterable[Thread]) -> None:
        self._ensure(self.can_merge_threads(target, sources), "You may not merge these threads.")

    def can_split_posts_to(self, thread: Thread, forum: Forum) -> bool:
        return self.can_moderate_thread(thread) and self.can_post_into(forum)

    def ensure_can_split_posts_to(self, thread: Thread, forum: Forum) -> None:
        self.ensure_can_moderate_thread(thread)
        self._ensure(self.can_split_posts_to(thread, forum), "You may not create threads there.")

    # --- Inline moderation re-fetches every submitted id ----------------------------------------

    def get_posts_to_moderate(self, thread: Thread, ids: Iterable[int]) -> list[Post]:
        """The posts of `thread` with these ids, all of which the reader moderates; a crafted
        id (another thread's post, one they may not see or moderate) refuses the whole
        request."""
        wanted = set(ids)
        self._ensure(0 < len(wanted) <= INLINE_MAX_ITEMS, "No such posts.", hidden=True)
        posts = list(Post.objects.filter(pk__in=wanted, thread=thread).select_related("author"))
        for post in posts:
            post.thread = thread
        self._ensure(
            len(posts) == len(wanted) and all(self.can_moderate_post(p) for p in posts),
            "No such posts.",
            hidden=True,
        )
        return posts

    def get_threads_to_moderate(self, forum: Forum, ids: Iterable[int]) -> list[Thread]:
        """The threads of `forum` with these ids, all of which the reader moderates (else
        404)."""
        wanted = set(ids)
        self._ensure(0 < len(wanted) <= INLINE_MAX_ITEMS, "No such threads.", hidden=True)
        threads = list(Thread.objects.filter(pk__in=wanted, forum=forum).select_related("forum"))
        self._ensure(
            len(threads) == len(wanted) and all(self.can_moderate_thread(t) for t in threads),
            "No such threads.",
            hidden=True,
        )
        return threads

    # --- History and the log: their existence is for moderators only ----------------------------

    def can_view_history(self, post: Post) -> bool:
        return self.can_moderate_forum(post.thread.forum_id) and self.can_view_post(post)

    def ensure_can_view_history(self, post: Post) -> None:
        self._ensure(self.can_view_history(post), "No such page.", hidden=True)

    def can_view_moderator_log(self) -> bool:
        return self.is_admin

    def ensure_can_view_moderator_log(self) -> None:
        self._ensure(self.can_view_moderator_log(), "No such page.", hidden=True)

    def can_open_admin_site(self) -> bool:
        """The Admin link: administrators (Django's admin also wants `is_staff`, which the
        Administrators group gives)."""
        return self.is_admin and self.member is not None and self.member.is_staff
