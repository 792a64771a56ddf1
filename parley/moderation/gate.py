"""The gate every new post passes before it is written: publish, hold for approval, or refuse
with a reason (Discourse's NewPostManager). Flood control, newcomer approval and link limits
live here and nowhere else.

Times come from the caller's `now` and the member's previous post, never the wall clock, so a
post written "in the past" (imports, the demo, test worlds) is judged against what came before
it. Settings (each read when a post is checked, so tests can override them):

- PARLEY_FLOOD_SECONDS (10): least time between two posts by one member.
- PARLEY_NEWCOMER_FLOOD_SECONDS (30): the same for newcomers.
- PARLEY_NEWCOMER_POSTS (5), PARLEY_NEWCOMER_DAYS (1): a newcomer has fewer published posts
  than this, or joined less than this many days ago.
- PARLEY_DUPLICATE_MINUTES (5): the same text again from the same member within this is refused.
- PARLEY_APPROVAL_FIRST_POSTS (0 = off): a member's posts are held until this many are published.
- PARLEY_APPROVAL_MAX_LINKS (3; 0 = off): a newcomer's post with more links than this is held
  (link-stuffing is what spam looks like; an established member citing sources is not held).

Members with BYPASS_FLOOD in the forum skip flood and duplicate checks; members with
POST_WITHOUT_APPROVAL (moderators) are never held.

The checks read the member's earlier posts, so two posts sent at once could both pass before
either is written. The posting services take the member's posting lock first in their
transaction (`forums.services.posting.serialize_posting`): a member's posts are then checked and
written one at a time, whichever worker serves them.

The forum layer below cannot import this module: it calls its posting-gate hook
(`forums.hooks.check_new_post`), and `ModerationConfig.ready()` plugs `check_new_post` in."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from parley.accounts.models import Member
from parley.core import knobs
from parley.core.prepared import PreparedQuery
from parley.forums.models import Forum, Post, Thread
from parley.permissions.guardian import perms_for

# Anything a reader could follow: bare and Markdown links (a scheme or www.), mailto:, and
# BBCode [url] tags without a scheme. Counted in the source, each link once whatever its markup
# (a match runs to the next space, so "https://www.…" or "[url=…]…[/url]" is one).
_LINK = re.compile(
    r"(?i)(?:\b(?:https?|ftp)://\S+|\bwww\.\S+|\bmailto:\S+"
    r"|\[url\](?!\s*(?:(?:https?|ftp)://|www\.)))"
)


def _member_standing(values: Mapping[str, Any], shape: None) -> QuerySet[Member]:
    only = Member.objects.only("message_count", "date_joined")
    return only.filter(pk=values["member_id"]).order_by()


# Read with every post: compiled once per process (core/prepared.py).
MEMBER_STANDING = PreparedQuery(Member, _member_standing, for_write=True)


def count_links(body: str) -> int:
    return len(_LINK.findall(body))


def is_newcomer(*, message_count: int, joined_at: datetime, now: datetime) -> bool:
    if message_count < knobs.NEWCOMER_POSTS.get():
        return True
    return now - joined_at < timedelta(days=knobs.NEWCOMER_DAYS.get())


def check_new_post(
    *,
    actor: Member,
    forum: Forum,
    body: str,
    now: datetime,
    thread: Thread | None = None,
) -> bool:
    """True: hold the post for approval. False: publish it. Refusals raise ValidationError
    (code "flood" or "duplicate") with a message for the member; nothing is written."""
    perms = perms_for(actor)
    # Read afresh: the caller's row may predate posts published since it was loaded.
    fresh = MEMBER_STANDING.first(None, member_id=actor.pk)
    if fresh is None:
        raise Member.DoesNotExist("The member is gone.")
    message_count, joined_at = fresh.message_count, fresh.date_joined
    newcomer = is_newcomer(message_count=message_count, joined_at=joined_at, now=now)
    if not perms.can_bypass_flood(forum.pk):
        _check_duplicate(actor, body, now)
        _check_flood(actor, now, newcomer=newcomer)
    if perms.can_post_without_approval(forum.pk):
        return False
    first_posts = knobs.APPROVAL_FIRST_POSTS.get()
    if first_posts and message_count < first_posts:
        return True
    max_links = knobs.APPROVAL_MAX_LINKS.get()
    return newcomer and bool(max_links) and count_links(body) > max_links


# Both checks look at posts strictly before `now`: only a double submit shares its instant,
# and the client token has already turned that into the first post.


def _check_duplicate(actor: Member, body: str, now: datetime) -> None:
    window = timedelta(minutes=knobs.DUPLICATE_MINUTES.get())
    if not window:
        return
    repeated = Post.objects.filter(
        author=actor,
        is_deleted=False,
        body_source=body,
        created_at__gt=now - window,
        created_at__lt=now,
    ).exists()
    if repeated:
        raise ValidationError(
            "You already posted this message. Please add something new rather than posting "
            "the same text again.",
            code="duplicate",
        )


def _check_flood(actor: Member, now: datetime, *, newcomer: bool) -> None:
    seconds = (knobs.NEWCOMER_FLOOD_SECONDS if newcomer else knobs.FLOOD_SECONDS).get()
    if not seconds:
        return
    previous = (
        Post.objects.filter(
            author=actor, created_at__lt=now, created_at__gt=now - timedelta(seconds=seconds)
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if previous is not None:
        wait = max(1, math.ceil(seconds - (now - previous).total_seconds()))
        raise ValidationError(
            f"Please wait a little between posts (at least {seconds} seconds). You can post "
            f"again in {wait} second{'s' if wait != 1 else ''}; your message is kept below.",
            code="flood",
        )
