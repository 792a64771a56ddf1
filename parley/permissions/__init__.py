"""The one place that decides who may see or do what.

Every question goes through `request.perms`, a `Perms` built once per request: see
`parley.permissions.guardian` (the guardian, one mixin per subject), `grants.py` (group entries
resolved per forum and cached under the `perms` stamp, plus member facts), `registry.py` (the
permissions and built-in groups) and `services.py` (changing them).

Django imports this package while it loads apps, before any model can be imported, so it imports
nothing itself. What follows are shims for code not yet converted to the guardian.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from parley.forums.models import Forum, Post, Thread
    from parley.permissions.guardian import Perms, perms_for  # noqa: F401


def __getattr__(name: str) -> Any:
    # shim: removed once moderation is converted (it imports `Perms` and `perms_for` from here;
    # their home is `parley.permissions.guardian`). Lazy because of the app loading order above.
    if name in ("Perms", "perms_for"):
        from parley.permissions import guardian

        return getattr(guardian, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# shim: removed once moderation is converted (each asks the guardian the same question).


def get_forum_for(perms: Perms, forum_id: int) -> Forum:
    return perms.get_forum(forum_id)


def get_thread_for(perms: Perms, thread_id: int) -> Thread:
    return perms.get_thread(thread_id)


def get_post_for(perms: Perms, post_id: int) -> Post:
    return perms.get_post(post_id)


def visible_posts(perms: Perms, qs: QuerySet[Post]) -> QuerySet[Post]:
    return perms.visible_posts(qs)


def ensure_can_edit_post(perms: Perms, post: Post) -> None:
    perms.ensure_can_edit_post(post)


def ensure_can_report(perms: Perms, post: Post) -> None:
    perms.ensure_can_report_post(post)


# shim: removed once parley/forums/services.py is committed with the guardian calls it holds in
# the working tree (it also carries another helper's changes in progress); the committed version
# still asks these.


def ensure_can_start_thread(perms: Perms, forum: Forum) -> None:
    perms.ensure_can_start_thread(forum)


def ensure_can_reply(perms: Perms, thread: Thread) -> None:
    perms.ensure_can_reply_to_thread(thread)


def ensure_can_delete_post(perms: Perms, post: Post) -> None:
    perms.ensure_can_delete_post(post)


def ensure_can_moderate_thread(perms: Perms, thread: Thread) -> None:
    perms.ensure_can_moderate_thread(thread)
