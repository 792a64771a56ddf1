"""Moderator actions on posts and threads. (Stub interface; implemented with moderation.)

Every function: checks permission (parley.permissions), runs in one transaction, keeps every
counter right (positions, reply counts, forum totals, last posts, member message counts) and
writes a moderator log entry (parley.moderation.log.log_action)."""

from __future__ import annotations

from parley.accounts.models import Member
from parley.forums.models import Post


def soft_delete_post(*, actor: Member, post: Post, reason: str = "") -> None:
    raise NotImplementedError
