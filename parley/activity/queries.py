"""Reads for unread state. (Stub interface; implemented with unread tracking.)"""

from __future__ import annotations

from collections.abc import Sequence

from parley.forums.models import Forum, Thread
from parley.permissions import Perms


def attach_unread(perms: Perms, threads: Sequence[Thread]) -> None:
    """Set `thread.is_unread` on each thread (always False for guests), in one query."""
    for thread in threads:
        thread.is_unread = False  # type: ignore[attr-defined]


def attach_forum_unread(perms: Perms, forums: Sequence[Forum]) -> None:
    """Set `forum.is_unread` on each forum (and its `.subforums`), in one query."""
    for forum in forums:
        forum.is_unread = False  # type: ignore[attr-defined]
