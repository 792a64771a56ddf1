"""Writes to the search index: called by the forum services through their post-indexer hook
(`forums/hooks.py`), inside the transaction that changes the posts, and by `parley reindex`.

Every write is an upsert by post id (SQLite: delete then insert, as FTS5 tables know no
ON CONFLICT; PostgreSQL: ON CONFLICT), so an entry left behind with a reused id is replaced,
never a reason for a failed post. On PostgreSQL each write also gives the entry its `document`
(`document_sql`), made from the title and body folded in Python (`folding.fold_for_index`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Q

from parley.core.markup import plain_text
from parley.forums.models import Post, Thread
from parley.search.folding import fold_for_index
from parley.search.models import TABLE, SearchEntry

REINDEX_BATCH_POSTS = 1000  # one transaction each: a large board is never locked for long

Row = tuple[int, str, str]  # post id, title, body


def document_sql(title: str = "%s", body: str = "%s") -> str:
    """PostgreSQL's `document` of an entry, from SQL expressions (parameters by default) giving
    its title and body already passed through `fold_for_index`."""
    return (
        f"setweight(to_tsvector('english'::regconfig, {title}), 'A')"
        f" || setweight(to_tsvector('english'::regconfig, {body}), 'B')"
    )


def entry_rows(posts: Sequence[Post]) -> list[Row]:
    """What each post's entry holds: the thread title on a thread's first post only, and the
    visible text of the stored HTML (quotes and spoilers left out, as XenForo indexes them:
    quoting a post does not make the quoter's post match its words)."""
    thread_ids = sorted({p.thread_id for p in posts})
    marks = ", ".join(["%s"] * len(thread_ids))
    # Plain SQL: this runs for every post written, and building an ORM query costs several
    # times what the lookup itself does.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT first_post_id, title FROM {Thread._meta.db_table} "  # noqa: S608
            f"WHERE id IN ({marks}) AND first_post_id IS NOT NULL",
            thread_ids,
        )
        starts: dict[int, str] = dict(cursor.fetchall())
    return [(p.pk, starts.get(p.pk, ""), plain_text(p.body_html)) for p in posts]


def write_rows(rows: Sequence[Row]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            ids = [row[0] for row in rows]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", ids)  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
                rows,
            )
        else:
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, title, body, document) "  # noqa: S608
                f"VALUES (%s, %s, %s, {document_sql()}) "
                "ON CONFLICT (rowid) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,"
                " document = EXCLUDED.document",
                [
                    (pk, title, body, fold_for_index(title), fold_for_index(body))
                    for pk, title, body in rows
                ],
            )


def index_posts(posts: Sequence[Post]) -> None:
    """(Re)index posts whose text is new or changed. Needs `id`, `thread_id`, `body_html`."""
    write_rows(entry_rows(posts))


def index_thread_starts(thread_ids: Iterable[int]) -> None:
    """After a retitle, merge or split: the first post of each thread carries its title, and
    no other post of these threads does (a merged thread's old first post loses its title)."""
    ids = set(thread_ids)
    if not ids:
        return
    starts = Thread.objects.filter(pk__in=ids, first_post__isnull=False).values("first_post_id")
    titled = SearchEntry.objects.filter(post__thread_id__in=ids).exclude(title="").values("post_id")
    posts = Post.objects.filter(Q(pk__in=starts) | Q(pk__in=titled)).only(
        "id", "thread_id", "body_html"
    )
    index_posts(list(posts))


class SearchIndex:
    """The forum layer's post indexer (`forums.hooks.PostIndexer`)."""

    def posts_written(self, posts: Sequence[Post]) -> None:
        index_posts(posts)

    def threads_restarted(self, thread_ids: Iterable[int]) -> None:
        index_thread_starts(thread_ids)


def rebuild(
    *,
    batch_size: int = REINDEX_BATCH_POSTS,
    progress: Callable[[int, int], object] | None = None,
) -> int:
    """Rewrite every post's entry in batches (each its own transaction), then drop entries
    whose post is gone. Searches keep working meanwhile: nothing is emptied first. Returns how
    many posts were indexed; `progress(done, total)` is called after each batch."""
    total = Post.objects.count()
    done = last = 0
    while True:
        with transaction.atomic():
            batch = list(
                Post.objects.filter(pk__gt=last)
                .order_by("pk")
                .only("id", "thread_id", "body_html")[:batch_size]
            )
            if not batch:
                break
            index_posts(batch)
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(done, max(total, done))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE rowid NOT IN (SELECT id FROM forums_post)"  # noqa: S608
        )
        if connection.vendor == "sqlite":
            # Merge the FTS5 segments the batches wrote into one: faster queries afterwards.
            cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")  # noqa: S608
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fold the GIN index's pending list in and refresh the statistics: until then the
        # planner may prefer scanning the table to the index.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {TABLE}")
    return done
