"""Where the features above the forum layer plug into forum writes.

The forum services sit below moderation and search (ARCHITECTURE.md, "Layers"), so they cannot
import the posting gate, the moderator log, post revisions or the search index; yet every new
post must pass the gate, and a moderator's change is logged, an edited post's old text kept and
the search index rewritten in the same transaction as the change. So the forum layer declares
here what it calls, and the features hand in their implementations from their
`AppConfig.ready()`, one `provide_*` call per hook.

Each hook has one implementation at a time and a default for a board with nothing plugged in
(publish every post, record nothing). Hooks are called inside the caller's transaction: what
they write commits or rolls back with the post, as if the service had written it itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from parley.accounts.models import Member
from parley.forums.models import Forum, Post, Thread


class PostingGate(Protocol):
    def __call__(
        self, *, actor: Member, forum: Forum, body: str, now: datetime, thread: Thread | None
    ) -> bool:
        """Judge a new post (a new thread's first post when `thread` is None) before it is
        written: True holds it for approval, False publishes it, a ValidationError refuses it
        with a message for the member (nothing is written). Called with the member's posting
        lock held (`services.posting.serialize_posting`)."""
        ...


class ModeratorLog(Protocol):
    def __call__(
        self,
        *,
        actor: Member,
        action: str,
        target_kind: str,
        target_id: int,
        target_title: str,
        reason: str = "",
        details: dict[str, Any] | None = None,
    ) -> object:
        """Record a moderator's (or administrator's) action: what they did, to what, and why."""
        ...


class RevisionKeeper(Protocol):
    def __call__(
        self, *, post: Post, body_source: str, edited_by: Member, edited_at: datetime, reason: str
    ) -> object:
        """Keep the text `post` had before an edit (`body_source`, not yet overwritten)."""
        ...


class PostIndexer(Protocol):
    """Keeps a full-text index of posts (search's `index.SearchIndex`)."""

    def posts_written(self, posts: Sequence[Post]) -> None:
        """These posts are new, or their `body_html` changed: (re)index them."""
        ...

    def threads_restarted(self, thread_ids: Iterable[int]) -> None:
        """These threads' titles, or which post starts them, may have changed (a retitle, a
        merge, a split, a resync): the title belongs to the first post's entry only."""
        ...


class _IndexNothing:
    def posts_written(self, posts: Sequence[Post]) -> None:
        return None

    def threads_restarted(self, thread_ids: Iterable[int]) -> None:
        return None


def _publish(
    *, actor: Member, forum: Forum, body: str, now: datetime, thread: Thread | None
) -> bool:
    return False


def _record_nothing(**entry: object) -> None:
    return None


_posting_gate: PostingGate = _publish
_moderator_log: ModeratorLog = _record_nothing
_revision_keeper: RevisionKeeper = _record_nothing
_post_indexer: PostIndexer = _IndexNothing()


def provide_posting_gate(gate: PostingGate) -> None:
    global _posting_gate
    _posting_gate = gate


def provide_moderator_log(log: ModeratorLog) -> None:
    global _moderator_log
    _moderator_log = log


def provide_revision_keeper(keeper: RevisionKeeper) -> None:
    global _revision_keeper
    _revision_keeper = keeper


def provide_post_indexer(indexer: PostIndexer) -> None:
    global _post_indexer
    _post_indexer = indexer


def check_new_post(
    *, actor: Member, forum: Forum, body: str, now: datetime, thread: Thread | None = None
) -> bool:
    """The posting gate's verdict (see `PostingGate`)."""
    return _posting_gate(actor=actor, forum=forum, body=body, now=now, thread=thread)


def log_moderator_action(
    *,
    actor: Member,
    action: str,
    target_kind: str,
    target_id: int,
    target_title: str,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    _moderator_log(
        actor=actor,
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        target_title=target_title,
        reason=reason,
        details=details,
    )


def keep_revision(
    *, post: Post, body_source: str, edited_by: Member, edited_at: datetime, reason: str
) -> None:
    _revision_keeper(
        post=post, body_source=body_source, edited_by=edited_by, edited_at=edited_at, reason=reason
    )


def index_posts(posts: Sequence[Post]) -> None:
    if posts:
        _post_indexer.posts_written(posts)


def index_thread_starts(thread_ids: Iterable[int]) -> None:
    _post_indexer.threads_restarted(thread_ids)
