"""`parley seed`: a big, realistic board in minutes, for load tests and page-speed work.

Unlike the demo, nothing goes through the posting services (a call per post would take hours):
members, threads, posts and their search entries are written in bulk (batched inserts on
SQLite, COPY on PostgreSQL), and every value the posting service keeps is then computed by
set-based statements over what was written: first and last posts, reply counts and last
positions of threads, forum totals and last posts, member message counts. Positions are given
as the posts are generated in time order, as `_add_post` gives them. Every post is published.

Post ids grow with time across the whole board, as on a real one. The text is invented words;
a few hundred bodies are rendered once through the markup renderer and reused. Content is
deterministic for a given `--seed`; only the clock anchor and the shared password vary. The
seeded rows are all new (members, categories, forums, threads), so `--force` can add them beside
an existing board without touching its counters."""

from __future__ import annotations

import random
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.usernames import reserved_usernames, username_key
from parley.core.markup import RENDERER_VERSION, plain_text
from parley.core.slugs import make_slug
from parley.forums.models import Forum, Post, Prefix, Thread
from parley.forums.services.counters import resync_forum
from parley.forums.services.structure import create_category, create_forum, create_prefix
from parley.forums.services.text import prepare_body
from parley.permissions import grants
from parley.permissions.models import GroupProfile
from parley.permissions.registry import REGISTERED
from parley.permissions.services import ensure_system_groups
from parley.search.folding import fold_for_index
from parley.search.index import document_sql
from parley.search.models import TABLE as SEARCH_TABLE

DEFAULT_SEED = 1
SPAN_DAYS = 180  # posts spread over the last six months
JOINED_SPAN_DAYS = 730  # members joined over the two years before the first post
TEXT_VARIANTS = 240  # distinct bodies, rendered once each and reused by every post
BATCH_POSTS = 20_000  # rows per insert statement and per progress tick
STICKY_SHARE = 0.004
LOCKED_SHARE = 0.02
PREFIX_SHARE = 0.25
# Authors are drawn from a table of this many slots, filled by a Zipf-like law once, so a few
# members write much of the board (as on real ones) without a weighted draw per post.
AUTHOR_TABLE_BITS = 16
TIME_ZONES = ("UTC", "Europe/Lisbon", "Europe/Warsaw", "America/Toronto", "Asia/Tokyo")
PREFIXES = (("Question", "blue"), ("Guide", "green"), ("Rumour", "grey"), ("Urgent", "red"))

_ONSETS = tuple(
    [
        "b",
        "d",
        "f",
        "g",
        "k",
        "l",
        "m",
        "n",
        "p",
        "r",
        "s",
        "t",
        "v",
        "z",
        "br",
        "dr",
        "gl",
        "kr",
        "pl",
        "sk",
        "st",
        "tr",
    ]
)
_VOWELS = tuple("aeiouao")  # a and o twice: likelier
# Invented words end in a consonant then "a" or "o": no English suffix the stemmers strip
# ends so, so no two words share a stem and search finds each word exactly.
_ENDINGS = ("a", "o")

Progress = Callable[[str, int, int], None]  # phase, done, total


class BoardNotEmpty(Exception):
    """The board already has threads and `force` was not given."""


@dataclass(frozen=True)
class SeedResult:
    members: int
    threads: int
    posts: int
    long_thread: Thread | None
    member_password: str
    seconds: float


@dataclass(frozen=True)
class _Text:
    source: str
    html: str
    plain: str  # what the search index holds for it


@dataclass
class _ThreadPlan:
    slot: int  # the index, in time order, of its first post among all posts
    at: datetime
    author: int  # index into the members
    forum: Forum
    title: str


def check_sizes(*, members: int, threads: int, posts: int, long_thread: int | None) -> None:
    """Raise ValueError, saying why, for sizes no board can have."""
    if members < 1 or threads < 1:
        raise ValueError("A board needs at least one member and one thread.")
    if posts < threads:
        raise ValueError("Every thread needs a post: --posts must be at least --threads.")
    if long_thread is not None:
        if long_thread < 1:
            raise ValueError("--long-thread must be at least 1.")
        if threads == 1 and long_thread != posts:
            raise ValueError("With one thread, the long thread holds every post.")
        if long_thread - 1 > posts - threads:
            raise ValueError("--long-thread leaves too few posts for the other threads.")


def seed_board(
    *,
    members: int,
    threads: int,
    posts: int,
    long_thread: int | None = None,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> SeedResult:
    """Write the board in one transaction (all or nothing). Raises BoardNotEmpty when the board
    has threads, unless `force`."""
    check_sizes(members=members, threads=threads, posts=posts, long_thread=long_thread)
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (invented text, not secrets)
    words = _vocabulary(rng)
    texts = [_text(rng, words) for _ in range(TEXT_VARIANTS)]
    now = now or timezone.now()
    start = now - timedelta(days=SPAN_DAYS)
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        if not force and Thread.objects.exists():
            raise BoardNotEmpty("The board already has threads.")
        forums = _build_forums(rng, words)
        prefixes = _prefixes()
        people = _insert_members(rng, words, members, start, make_password(password))
        authors = _author_table(rng, len(people))
        plans = _plan_threads(rng, words, threads, posts, forums, start, now, authors)
        thread_rows = _insert_threads(rng, plans, people, prefixes)
        long_index = None if long_thread is None else min(1, threads - 1)
        _write_posts(
            rng,
            texts=texts,
            plans=plans,
            thread_ids=[t.pk for t in thread_rows],
            people=people,
            authors=authors,
            posts=posts,
            long_index=long_index,
            long_replies=0 if long_thread is None else long_thread - 1,
            start=start,
            now=now,
            progress=progress,
        )
        if progress is not None:
            progress("counters", 0, 1)
        _derive_counters(forums, people)
        if connection.vendor == "sqlite":
            # The batches wrote the FTS5 index as many segments; live replies would merge them
            # a few at a time inside their own transactions (big merges, holding the write lock).
            # One merged segment, as `parley reindex` leaves it.
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')")  # noqa: S608
        if progress is not None:
            progress("counters", 1, 1)
    _refresh_planner_statistics()
    return SeedResult(
        members=len(people),
        threads=len(thread_rows),
        posts=posts,
        long_thread=None
        if long_index is None
        else Thread.objects.get(pk=thread_rows[long_index].pk),
        member_password=password,
        seconds=time.monotonic() - started,
    )


# --- Invented text -------------------------------------------------------------------------


def _word(rng: random.Random) -> str:
    syllables = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3))]
    return "".join(syllables) + rng.choice(_ONSETS) + rng.choice(_ENDINGS)


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        if len(word := _word(rng)) >= 5:
            words.add(word)
    return sorted(words)


def _sentence(rng: random.Random, words: list[str], low: int = 5, high: int = 16) -> str:
    chosen = [rng.choice(words) for _ in range(rng.randint(low, high))]
    chosen[0] = chosen[0].capitalize()
    return " ".join(chosen) + rng.choice(".....?!")


def _title(rng: random.Random, words: list[str]) -> str:
    return _sentence(rng, words, 3, 8).rstrip(".!")


def _text(rng: random.Random, words: list[str]) -> _Text:
    """One body in Markdown/BBCode: paragraphs, and now and then emphasis, a list, a link,
    inline code or a quote, so pages show what real posts hold."""
    paragraphs = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        sentences = [_sentence(rng, words) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            sentences[0] = f"**{sentences[0]}**"
        if rng.random() < 0.2:
            sentences[-1] = f"*{sentences[-1]}* `{rng.choice(words)}`"
        paragraphs.append(" ".join(sentences))
    if rng.random() < 0.2:
        paragraphs.append("\n".join(f"- {_sentence(rng, words, 2, 5)}" for _ in range(3)))
    if rng.random() < 0.15:
        word = rng.choice(words)
        paragraphs.append(f"See [{word}](https://{word}.example.org/) for more.")
    if rng.random() < 0.15:
        paragraphs.insert(0, f"[quote]{_sentence(rng, words)}[/quote]")
    body = prepare_body("\n\n".join(paragraphs))
    return _Text(source=body.source, html=body.html, plain=plain_text(body.html))


# --- Structure and members -----------------------------------------------------------------


def _build_forums(rng: random.Random, words: list[str]) -> list[Forum]:
    """Three categories of two to four forums, some with sub-forums, through the structure
    services (a handful of calls)."""
    forums = []
    for _ in range(3):
        category = create_category(title=_title(rng, words)[:60], description=_sentence(rng, words))
        for _ in range(rng.randint(2, 4)):
            forum = create_forum(
                category=category,
                title=" ".join(rng.choice(words).capitalize() for _ in range(2)),
                description=_sentence(rng, words),
            )
            forums.append(forum)
            forums.extend(
                create_forum(
                    category=category,
                    parent=forum,
                    title=rng.choice(words).capitalize(),
                    description=_sentence(rng, words),
                )
                for _ in range(rng.choice((0, 0, 1, 2)))
            )
    return forums


def _prefixes() -> list[Prefix]:
    existing = {p.title: p for p in Prefix.objects.filter(title__in=[t for t, _ in PREFIXES])}
    return [existing.get(t) or create_prefix(title=t, colour=c) for t, c in PREFIXES]


def _insert_members(
    rng: random.Random, words: list[str], count: int, start: datetime, password_hash: str
) -> list[Member]:
    """Registered members sharing one password (hashed once), joined before the first post.
    What `register_member` and its hook write, in bulk: the row, the Registered group, the
    group's title, then one bump of the permission stamp."""
    if not Group.objects.filter(name=REGISTERED).exists():
        ensure_system_groups()
    registered = Group.objects.get(name=REGISTERED)
    title = GroupProfile.objects.filter(group=registered).values_list("user_title", flat=True)
    group_title = title.first() or ""
    taken = set(Member.objects.values_list("username_key", flat=True))
    taken |= {username_key(name) for name in reserved_usernames()}
    rows: list[Member] = []
    while len(rows) < count:
        name = rng.choice(words).capitalize()
        if rng.random() < 0.5:
            name += rng.choice(("", "_", ".")) + rng.choice(words)
        if rng.random() < 0.3:
            name += str(rng.randint(1, 999))
        name = name[:40]
        key = username_key(name)
        if key in taken:
            continue
        taken.add(key)
        joined = start - timedelta(seconds=rng.uniform(3600, JOINED_SPAN_DAYS * 86400))
        rows.append(
            Member(
                username=name,
                username_key=key,
                email=f"{key.replace(' ', '.')}@seed.example.org",
                password=password_hash,
                date_joined=joined,
                email_confirmed_at=joined,
                time_zone=rng.choice(TIME_ZONES),
                group_title=group_title,
            )
        )
    people = Member.objects.bulk_create(rows, batch_size=2000)
    through = Member.groups.through
    through.objects.bulk_create(
        [through(member_id=m.pk, group_id=registered.pk) for m in people], batch_size=5000
    )
    grants.bump_version()
    return people


# --- Threads and posts ---------------------------------------------------------------------


def _slot_time(start: datetime, span: timedelta, slot: int, posts: int, jitter: float) -> datetime:
    """Post `slot` of `posts`, spread evenly over `span`: strictly increasing with the slot."""
    return start + span * ((slot + jitter) / posts)


def _plan_threads(
    rng: random.Random,
    words: list[str],
    count: int,
    posts: int,
    forums: list[Forum],
    start: datetime,
    now: datetime,
    authors: list[int],
) -> list[_ThreadPlan]:
    """Threads in the order they start. The first two start with the board (the second is the
    long thread when there is one: it runs the whole span); the others at random slots."""
    span = now - start
    slots = [0, 1][:count] + sorted(rng.sample(range(2, posts), count - min(count, 2)))
    weights = [rng.lognormvariate(0, 1) for _ in forums]
    chosen = rng.choices(forums, weights=weights, k=count)
    return [
        _ThreadPlan(
            slot=slot,
            at=_slot_time(start, span, slot, posts, rng.random()),
            author=authors[rng.getrandbits(AUTHOR_TABLE_BITS)],
            forum=forum,
            title=_title(rng, words),
        )
        for slot, forum in zip(slots, chosen, strict=True)
    ]


def _author_table(rng: random.Random, members: int) -> list[int]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(members)]
    return rng.choices(range(members), weights=weights, k=1 << AUTHOR_TABLE_BITS)


def _insert_threads(
    rng: random.Random, plans: list[_ThreadPlan], people: list[Member], prefixes: list[Prefix]
) -> list[Thread]:
    """Thread rows with their first post's author and time. Counters and post links are left
    for `_derive_counters` (the posts do not exist yet)."""
    rows = []
    for plan in plans:
        author = people[plan.author]
        rows.append(
            Thread(
                forum=plan.forum,
                title=plan.title,
                slug=make_slug(plan.title),
                prefix=rng.choice(prefixes) if rng.random() < PREFIX_SHARE else None,
                author=author,
                author_name=author.username,
                created_at=plan.at,
                last_post_at=plan.at,
                is_sticky=rng.random() < STICKY_SHARE,
                is_locked=rng.random() < LOCKED_SHARE,
            )
        )
    return Thread.objects.bulk_create(rows, batch_size=2000)


def _reserve_post_ids(count: int) -> int:
    """The first of `count` consecutive post ids nobody holds, reserved against later inserts.
    Explicit ids let a post and its search entry be written in one pass."""
    table = Post._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s)", [sequence])
            (first,) = cursor.fetchone()
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return int(first)
        # SQLite's AUTOINCREMENT never hands out an id below its sequence, nor above the
        # ids written here once they exist.
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0),"  # noqa: S608
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        (last,) = cursor.fetchone()
        return int(last) + 1


def _write_posts(
    rng: random.Random,
    *,
    texts: list[_Text],
    plans: list[_ThreadPlan],
    thread_ids: list[int],
    people: list[Member],
    authors: list[int],
    posts: int,
    long_index: int | None,
    long_replies: int,
    start: datetime,
    now: datetime,
    progress: Progress | None,
) -> None:
    first_id = _reserve_post_ids(posts)
    with connection.cursor() as cursor:
        # Leftovers of posts hard-deleted under a flush would clash with the new ids (FTS5).
        cursor.execute(f"DELETE FROM {SEARCH_TABLE} WHERE rowid >= %s", [first_id])  # noqa: S608
    writer: _SQLiteWriter | _PostgresWriter = (
        _PostgresWriter() if connection.vendor == "postgresql" else _SQLiteWriter()
    )
    generated = _generate_posts(
        rng,
        texts=texts,
        plans=plans,
        thread_ids=thread_ids,
        people=people,
        authors=authors,
        posts=posts,
        long_index=long_index,
        long_replies=long_replies,
        start=start,
        now=now,
        first_id=first_id,
        time_value=writer.time_value,
    )
    with writer.tuned():
        done = 0
        while batch := list(islice(generated, BATCH_POSTS)):
            writer.write([row for row, _ in batch], [entry for _, entry in batch])
            done += len(batch)
            if progress is not None:
                progress("posts", done, posts)


def _generate_posts(
    rng: random.Random,
    *,
    texts: list[_Text],
    plans: list[_ThreadPlan],
    thread_ids: list[int],
    people: list[Member],
    authors: list[int],
    posts: int,
    long_index: int | None,
    long_replies: int,
    start: datetime,
    now: datetime,
    first_id: int,
    time_value: Callable[[datetime], Any],
) -> Iterator[tuple[tuple[Any, ...], tuple[int, str, str]]]:
    """Every post in time order, with its search entry. A slot that starts no thread goes to
    the long thread with the chance that leaves it exactly its replies at the end, else to an
    open thread, recent ones far likelier (talk moves on), now and then an old one revived."""
    span = now - start
    names = [m.username for m in people]
    member_ids = [m.pk for m in people]
    positions = [0] * len(plans)
    open_threads: list[int] = []
    starts = iter(enumerate(plans))
    next_start = next(starts, None)
    free_left = posts - len(plans)  # slots starting no thread
    long_left = long_replies
    for slot in range(posts):
        title = ""
        if next_start is not None and next_start[1].slot == slot:
            index, plan = next_start
            next_start = next(starts, None)
            at, author, title = plan.at, plan.author, plan.title
            if index != long_index:
                open_threads.append(index)
        else:
            if long_left and rng.random() * free_left < long_left:
                index = long_index  # type: ignore[assignment]  # set whenever long_left is
                long_left -= 1
            else:
                count = len(open_threads)
                reach = rng.random() if rng.random() < 0.2 else rng.random() ** 4
                index = open_threads[count - 1 - int(count * reach)]
            free_left -= 1
            at = _slot_time(start, span, slot, posts, rng.random())
            author = authors[rng.getrandbits(AUTHOR_TABLE_BITS)]
        positions[index] += 1
        text = texts[rng.randrange(TEXT_VARIANTS)]
        post_id = first_id + slot
        yield (
            (
                post_id,
                thread_ids[index],
                member_ids[author],
                names[author],
                positions[index],
                time_value(at),
                text.source,
                text.html,
            ),
            (post_id, title, text.plain),
        )


_POST_COLUMNS = (
    "id, thread_id, author_id, author_name, position, created_at, body_source, body_html, "
    "renderer_version, edit_count, is_deleted, awaiting_approval, delete_reason, client_token"
)


# While seeding on SQLite: a page cache that holds the post indexes (inserts land all over them,
# as posts come in time order across threads), and an FTS5 pending-terms buffer far above its
# 1 MB default, so the index is written in a few large segments instead of thousands of small
# ones merged over and over (measured: about a third less time for the entries).
SQLITE_SEED_CACHE_KIB = 512 * 1024
FTS5_SEED_HASH_BYTES = 256 * 2**20
FTS5_DEFAULT_HASH_BYTES = 2**20


class _SQLiteWriter:
    """executemany on the connection Django holds (inside the seeding transaction)."""

    def __init__(self) -> None:
        self.insert_post = (
            f"INSERT INTO {Post._meta.db_table} ({_POST_COLUMNS}) VALUES "  # noqa: S608
            f"(?, ?, ?, ?, ?, ?, ?, ?, {RENDERER_VERSION}, 0, 0, 0, '', '')"
        )
        self.insert_entry = f"INSERT INTO {SEARCH_TABLE} (rowid, title, body) VALUES (?, ?, ?)"  # noqa: S608

    @staticmethod
    def time_value(at: datetime) -> str:
        # As Django stores a datetime on SQLite: naive UTC text.
        return str(timezone.make_naive(at, UTC))

    @contextmanager
    def tuned(self) -> Iterator[None]:
        raw = connection.connection
        (cache,) = raw.execute("PRAGMA cache_size").fetchone()
        raw.execute(f"PRAGMA cache_size = -{SQLITE_SEED_CACHE_KIB}")
        self._hash_size(FTS5_SEED_HASH_BYTES)
        try:
            yield
        finally:
            self._hash_size(FTS5_DEFAULT_HASH_BYTES)
            raw.execute(f"PRAGMA cache_size = {int(cache)}")

    @staticmethod
    def _hash_size(size: int) -> None:
        connection.connection.execute(
            f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}, rank) VALUES ('hashsize', ?)",  # noqa: S608
            [size],
        )

    def write(self, posts: list[tuple[Any, ...]], entries: list[tuple[int, str, str]]) -> None:
        raw = connection.connection
        raw.executemany(self.insert_post, posts)
        raw.executemany(self.insert_entry, entries)


# Search entries pass through here with their folded text, so PostgreSQL makes each batch's
# documents in one INSERT … SELECT.
_PG_STAGING = "seed_search_staging"


class _PostgresWriter:
    """COPY, several times faster than batched INSERTs on PostgreSQL."""

    def __init__(self) -> None:
        # Bodies repeat (TEXT_VARIANTS of them): each is folded once.
        self.folded_bodies: dict[str, str] = {}

    @staticmethod
    def time_value(at: datetime) -> datetime:
        return at

    @contextmanager
    def tuned(self) -> Iterator[None]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {_PG_STAGING} (rowid bigint, title text, body text,"
                " title_folded text, body_folded text) ON COMMIT DROP"
            )
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {_PG_STAGING}")  # a second seed in this transaction

    def _fold_body(self, body: str) -> str:
        folded = self.folded_bodies.get(body)
        if folded is None:
            folded = self.folded_bodies[body] = fold_for_index(body)
        return folded

    def write(self, posts: list[tuple[Any, ...]], entries: list[tuple[int, str, str]]) -> None:
        constants = (RENDERER_VERSION, 0, False, False, "", "")
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no COPY
            with raw.copy(f"COPY {Post._meta.db_table} ({_POST_COLUMNS}) FROM STDIN") as copy:
                for row in posts:
                    copy.write_row(row + constants)
            with raw.copy(f"COPY {_PG_STAGING} FROM STDIN") as copy:
                for pk, title, body in entries:
                    copy.write_row((pk, title, body, fold_for_index(title), self._fold_body(body)))
            raw.execute(
                f"INSERT INTO {SEARCH_TABLE} (rowid, title, body, document)"  # noqa: S608
                f" SELECT rowid, title, body, {document_sql('title_folded', 'body_folded')}"
                f" FROM {_PG_STAGING}"
            )
            raw.execute(f"TRUNCATE {_PG_STAGING}")


# --- Derived values ------------------------------------------------------------------------


def _derive_counters(forums: list[Forum], people: list[Member]) -> None:
    """What the posting service keeps as it goes, computed from the rows in a few statements:
    thread tails and first posts, forum totals and last posts (`resync_forum`, per forum),
    member message counts (and when each was last seen: their last post)."""
    threads = Thread.objects.filter(forum__in=forums)
    published = Post.objects.filter(thread=OuterRef("pk")).published()
    # Positions follow time here, so (position, id) orders as (created_at, id) does, on an index.
    first = Post.objects.filter(thread=OuterRef("pk")).order_by("position", "id")
    last = published.order_by("-position", "-id")
    threads.update(
        first_post=Subquery(first.values("pk")[:1]),
        last_post=Subquery(last.values("pk")[:1]),
        last_position=Subquery(last.values("position")[:1]),
        last_post_at=Subquery(last.values("created_at")[:1]),
    )
    # A made-up but plausible view count: a few readers per post.
    threads.update(
        reply_count=F("last_position") - 1, view_count=F("last_position") * 7 + F("pk") % 50
    )
    for forum in forums:
        resync_forum(forum)
    mine = Post.objects.filter(author=OuterRef("pk"))
    counts = mine.visible().order_by().values("author").annotate(n=Count("pk")).values("n")
    ids = [m.pk for m in people]
    Member.objects.filter(pk__gte=min(ids), pk__lte=max(ids)).update(
        message_count=Coalesce(Subquery(counts), 0),
        last_seen_at=Subquery(mine.order_by("-created_at").values("created_at")[:1]),
    )


def _refresh_planner_statistics() -> None:
    """Millions of new rows: the planners' statistics (and PostgreSQL's GIN pending list) are
    stale until refreshed. Not inside a caller's transaction (tests): VACUUM cannot run there."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (Post._meta.db_table, Thread._meta.db_table, SEARCH_TABLE):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


# --- Progress on the terminal --------------------------------------------------------------


class ProgressLine:
    """A progress bar redrawn in place on a terminal, or a line per tenth elsewhere (logs)."""

    WIDTH = 30

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.last_tenth = -1

    def __call__(self, phase: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        tenth = int(share * 10)
        if not self.tty and tenth == self.last_tenth:
            return
        self.last_tenth = tenth
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = (
            f"{phase:<8} [{bar}] {done:>11,} / {total:,} "
            f"{share:4.0%}  {time.monotonic() - self.started:5.0f} s"
        )
        end = "\n" if not self.tty or done >= total else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()
