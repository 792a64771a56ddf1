"""A small world built through the services, as a member would build it: personas, a news
forum, a three-page thread, a locked thread. Built once per test class (setUpTestData)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.services import register_member
from parley.forums import services
from parley.forums.models import Category, Forum, Prefix, Thread
from parley.forums.services.structure import create_category, create_forum, create_prefix
from parley.permissions.services import ensure_system_groups
from tests.fresh import start_fresh

PASSWORD = "correct-horse-battery-staple"
THREE_PAGE_POSTS = 45  # 20 + 20 + 5 at the default page size


def make_member(name: str, **kwargs: object) -> Member:
    return register_member(
        username=name,
        email=f"{name.lower().replace(' ', '.')}@example.org",
        password=PASSWORD,
        **kwargs,  # type: ignore[arg-type]
    )


@dataclass
class World:
    admin: Member
    moderator: Member
    member: Member
    other: Member
    category: Category
    news: Forum
    lounge: Forum
    breaking: Prefix
    long_thread: Thread
    short_thread: Thread
    locked_thread: Thread


def build_world() -> World:
    ensure_system_groups()  # transactional tests flush the groups the migration created
    now = timezone.now()
    admin = make_member(
        "Admin", is_staff=True, is_superuser=True, joined_at=now - timedelta(days=2000)
    )
    moderator = make_member("Mod Squad", is_staff=True, joined_at=now - timedelta(days=900))
    member = make_member("Alice", joined_at=now - timedelta(days=400))
    other = make_member("Bob", joined_at=now - timedelta(days=30))
    category = create_category(title="World news")
    news = create_forum(
        category=category, title="Breaking news", description="Stories as they land."
    )
    lounge = create_forum(category=category, title="The lounge")
    breaking = create_prefix(title="Breaking news", colour="red")
    # The groups and forums above bumped the permission stamp in a transaction that will never
    # commit, so every permission table would be computed afresh for each of the 47 posts
    # below (half of this function's time). Treat them as committed, as each test's start does
    # (which also drops tables cached by an earlier, rolled-back test class under this stamp).
    start_fresh()
    start = now - timedelta(hours=5)
    long_thread = services.create_thread(
        actor=member,
        forum=news,
        title="Harbour bridge closed after storm",
        prefix=breaking,
        body="The **harbour bridge** is closed.",
        source_name="Coast Courier",
        source_url="https://example.org/bridge",
        now=start,
    )
    for i in range(2, THREE_PAGE_POSTS + 1):
        services.reply_to_thread(
            actor=other if i % 2 else member,
            thread=long_thread,
            body=f"Reply number {i}",
            now=start + timedelta(minutes=i),
        )
    short_thread = services.create_thread(
        actor=other,
        forum=lounge,
        title="Favourite tea",
        body="Green or black?",
        now=start,
    )
    locked_thread = services.create_thread(
        actor=member,
        forum=lounge,
        title="Old news",
        body="Closed for replies.",
        now=start,
    )
    services.set_thread_state(actor=moderator, thread=locked_thread, is_locked=True)
    for obj in (long_thread, short_thread, locked_thread):
        obj.refresh_from_db()
    return World(
        admin=admin,
        moderator=moderator,
        member=member,
        other=other,
        category=category,
        news=news,
        lounge=lounge,
        breaking=breaking,
        long_thread=long_thread,
        short_thread=short_thread,
        locked_thread=locked_thread,
    )


def warm_permission_cache(client: object) -> None:
    """Query counts are pinned for the steady state, after the reader's permission table (built
    once per group set and cached) exists: one page view builds it. A test's changes are never
    committed, so they are treated as committed here: from now on tables may be cached again."""
    from parley.core import stamps

    stamps.forget_uncommitted_bump()
    # Not the index: a guest's index would then be served from the page cache.
    client.get("/whats-new/")  # type: ignore[attr-defined]
