"""What the thread page shows a moderator: asked once per page by the view, which hands the
template finished data (booleans, URLs, names); None for readers who moderate nothing here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from parley.accounts.models import Member
from parley.forums.models import Post, Thread
from parley.permissions.guardian import Perms


@dataclass(frozen=True)
class ThreadTools:
    can_hard_delete: bool
    base_url: str  # `<thread url>moderate/`: lock, unlock, delete, move, posts (inline)…
    deleted_by_name: str  # who deleted the thread, when it is deleted


def thread_tools(perms: Perms, thread: Thread, posts: Sequence[Post] = ()) -> ThreadTools | None:
    """The thread's moderator tools, and who deleted each deleted post on the page (set as
    `post.deleted_by_name`): one query at most, and none for readers who do not moderate."""
    if not perms.can_moderate_thread(thread):
        return None
    wanted = {p.deleted_by_id for p in posts if p.is_deleted and p.deleted_by_id}
    if thread.is_deleted and thread.deleted_by_id:
        wanted.add(thread.deleted_by_id)
    # Keyed by a nullable id, so a post nobody deleted simply finds no name.
    names: dict[int | None, str] = (
        dict(Member.objects.filter(pk__in=wanted).values_list("pk", "username")) if wanted else {}
    )
    for post in posts:
        post.deleted_by_name = names.get(post.deleted_by_id, "")
    return ThreadTools(
        can_hard_delete=perms.can_hard_delete(thread),
        base_url=f"{thread.get_absolute_url()}moderate/",
        deleted_by_name=names.get(thread.deleted_by_id, ""),
    )
