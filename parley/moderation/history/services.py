"""Writing post revisions: the text a post had before an edit. The forum layer's edit calls this
through its revision hook (`forums.hooks.keep_revision`, plugged in by `ModerationConfig`), inside
the edit's own transaction."""

from __future__ import annotations

from datetime import datetime

from parley.accounts.models import Member
from parley.forums.models import Post
from parley.moderation.models import REASON_MAX_CHARS, PostRevision


def keep_revision(
    *, post: Post, body_source: str, edited_by: Member, edited_at: datetime, reason: str
) -> PostRevision:
    return PostRevision.objects.create(
        post=post,
        body_source=body_source,
        edited_by=edited_by,
        edited_at=edited_at,
        reason=reason[:REASON_MAX_CHARS],
    )
