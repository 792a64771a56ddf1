"""The demo board: a small news community with one long breaking-news thread, built only through
the services so it exercises the same code a real board does. Every story, place and person in it
is invented. Content is deterministic (seeded); only the clock anchor and passwords vary.

Threads are written as transcripts: `@T` starts a post by the member whose key is T, `@T >2`
a post that quotes post 2 of the same thread (0 is the first post). Lines are wrapped for
reading here and joined back into paragraphs when loaded."""

from __future__ import annotations

import os
import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.services import register_member
from parley.accounts.usernames import username_key
from parley.core.markup import quote_source
from parley.demo_content import (
    ADMIN_KEY,
    BREAKING,
    CATEGORIES,
    GUIDELINES,
    MEMBERS,
    OTHER_THREADS,
    PREFIXES,
    ScriptedPost,
    ThreadSpec,
)
from parley.feeds.importer.demo_feeds import load_demo_news
from parley.forums.models import Forum, Post, Prefix, Thread
from parley.forums.services import create_thread, reply_to_thread
from parley.forums.services.structure import (
    create_category,
    create_forum,
    create_prefix,
    make_locked,
    make_sticky,
)

SEED = 20_240_611  # fixed, so every fresh demo board reads the same
ADMIN = "admin"


@dataclass(frozen=True)
class DemoResult:
    admin_username: str
    admin_password: str | None  # None when an existing "admin" account was reused
    member_password: str
    member_names: tuple[str, ...]
    thread_count: int
    post_count: int
    breaking_thread: Thread


_POST_HEAD = re.compile(r"^@([A-Z])(?: >(\d+))?$", re.MULTILINE)
# Lines that start a block of their own and so must keep their line break.
_BLOCK_START = re.compile(r"^(- |\d+\. |```|\[/?(quote|spoiler|code|list))")


def _unwrap(text: str) -> str:
    """Join wrapped lines into paragraphs (the renderer turns a newline into <br>), keeping
    blank lines, list items and fenced code as written."""
    out: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            out.append(line)
        elif (
            not fenced
            and out
            and out[-1]
            and line
            and not _BLOCK_START.match(line)
            and (not out[-1].startswith("```"))
        ):
            out[-1] += " " + line
        else:
            out.append(line)
    return "\n".join(out).strip()


def parse_script(script: str) -> list[ScriptedPost]:
    parts = _POST_HEAD.split(script)
    if parts[0].strip():
        raise ValueError("A thread script must start with an @author line.")
    posts: list[ScriptedPost] = []
    for author, quotes, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        quoted = int(quotes) if quotes else None
        if quoted is not None and quoted >= len(posts):
            raise ValueError(f"Post {len(posts)} quotes post {quoted}, which comes later.")
        posts.append(ScriptedPost(author=author, body=_unwrap(body), quotes=quoted))
    return posts


def _spread(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` increasing times after `start`, the last at `end`; gaps widen as talk slows."""
    gaps = [rng.uniform(0.5, 1.5) * (1 + 2 * i / max(count, 1)) for i in range(count)]
    scale = (end - start) / sum(gaps) if gaps else timedelta(0)
    times, t = [], start
    for gap in gaps:
        t += scale * gap
        times.append(t)
    return times


def _excerpt(source: str) -> str:
    """What a member would keep when trimming a quote: the post's own first paragraph."""
    own = source.rsplit("[/quote]", 1)[-1].strip()
    return own.split("\n\n", 1)[0]


def _member(
    username: str, *, password: str, time_zone: str, joined_at: datetime, is_admin: bool = False
) -> tuple[Member, bool]:
    """The named member, registered now unless an account of that name already exists."""
    existing = Member.objects.filter(username_key=username_key(username)).first()
    if existing is not None:
        return existing, False
    member = register_member(
        username=username,
        email=f"{username.lower().replace(' ', '.')}@example.org",
        password=password,
        time_zone=time_zone,
        joined_at=joined_at,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    return member, True


def _build_thread(
    spec: ThreadSpec,
    *,
    forum: Forum,
    prefix: Prefix | None,
    members: dict[str, Member],
    times: list[datetime],
    guidelines_url: str,
) -> Thread:
    first, *replies = parse_script(spec.script)
    thread = create_thread(
        actor=members[first.author],
        forum=forum,
        title=spec.title,
        body=first.body,
        prefix=prefix,
        source_name=spec.source[0],
        source_url=spec.source[1],
        now=times[0],
    )
    assert thread.first_post is not None  # create_thread sets it
    posts: list[Post] = [thread.first_post]
    for reply, at in zip(replies, times[1:], strict=True):
        body = reply.body.replace("{guidelines}", f"[posting guidelines]({guidelines_url})")
        if reply.quotes is not None:
            q = posts[reply.quotes]
            quote = quote_source(
                author_name=q.author_name,
                post_id=q.pk,
                member_id=q.author_id,
                body_source=_excerpt(q.body_source),
            )
            body = f"{quote}\n{body}"
        posts.append(reply_to_thread(actor=members[reply.author], thread=thread, body=body, now=at))
    if spec.sticky:
        make_sticky(thread)
    if spec.locked:
        make_locked(thread)
    return thread


def _timeline(rng: random.Random, spec: ThreadSpec, now: datetime, count: int) -> list[datetime]:
    """When each post of a thread was written: the breaking thread over the last two hours,
    the others over a few hours to a day, starting `days_ago`."""
    if spec is BREAKING:
        start = now - timedelta(minutes=rng.uniform(115, 125))
        end = now - timedelta(minutes=rng.uniform(2, 5))
    else:
        start = now - timedelta(days=spec.days_ago) + timedelta(minutes=rng.uniform(-30, 30))
        end = min(start + timedelta(hours=count * rng.uniform(1.5, 6)), now - timedelta(hours=3))
    return [start, *_spread(rng, start, end, count - 1)]


def load_demo(*, stdout: TextIO | None = None, now: datetime | None = None) -> DemoResult | None:
    """Build the demo board, or return None (writing nothing) if the board has any thread."""
    if Thread.objects.exists():
        return None
    now = now or timezone.now()
    rng = random.Random(SEED)  # noqa: S311 (demo text, not secrets; passwords use `secrets`)
    admin_password = os.environ.get("PARLEY_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    member_password = secrets.token_urlsafe(12)
    year = timedelta(days=365.25)

    with transaction.atomic():
        admin, admin_is_new = _member(
            ADMIN,
            password=admin_password,
            time_zone="UTC",
            joined_at=now - 6.5 * year,
            is_admin=True,
        )
        members = {ADMIN_KEY: admin}
        for key, (name, tz, years) in MEMBERS.items():
            joined_at = now - years * year + timedelta(hours=rng.uniform(0, 240))
            members[key], _ = _member(
                name, password=member_password, time_zone=tz, joined_at=joined_at
            )

        forums: dict[str, Forum] = {}
        for title, description, forum_rows in CATEGORIES:
            category = create_category(title=title, description=description)
            for key, forum_title, forum_description, parent in forum_rows:
                forums[key] = create_forum(
                    category=category,
                    title=forum_title,
                    description=forum_description,
                    parent=forums[parent] if parent else None,
                )
        prefixes = {t: create_prefix(title=t, colour=c) for t, c in PREFIXES}

        # Oldest first, so ids grow with time as on a real board (and the guidelines thread
        # exists before the moderator links to it).
        specs = sorted([GUIDELINES, *OTHER_THREADS, BREAKING], key=lambda s: -s.days_ago)
        threads: dict[str, Thread] = {}
        post_count = 0
        for spec in specs:
            count = len(parse_script(spec.script))
            threads[spec.title] = _build_thread(
                spec,
                forum=forums[spec.forum],
                prefix=prefixes[spec.prefix] if spec.prefix else None,
                members=members,
                times=_timeline(rng, spec, now, count),
                guidelines_url=threads[GUIDELINES.title].get_absolute_url()
                if GUIDELINES.title in threads
                else "",
            )
            post_count += count

        # Stories from two invented outlets, through the news importer (one told by both).
        news = load_demo_news(forum=forums["breaking"], prefix=prefixes["Breaking news"], now=now)
        post_count += news.posts

    if stdout is not None:
        stdout.write(
            f"Demo board loaded: {len(members)} members, {len(threads)} threads and "
            f"{news.threads} news stories imported from {len(news.feeds)} feeds, "
            f"{post_count} posts.\n"
        )
    return DemoResult(
        admin_username=admin.username,
        admin_password=admin_password if admin_is_new else None,
        member_password=member_password,
        member_names=tuple(name for name, _, _ in MEMBERS.values()),
        thread_count=len(threads) + news.threads,
        post_count=post_count,
        breaking_thread=threads[BREAKING.title],
    )
