"""Prepared queries (`parley/core/prepared.py`): SQL compiled once, instances as the ORM makes
them, on the database the router chooses, seen by everything that watches queries; and a query
that cannot be prepared as asked fails the first time it is compiled, loudly."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.transaction import TransactionManagementError
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.prepared import MAX_SHAPES, PreparationError, PreparedQuery
from parley.forums import services
from parley.forums.models import Post, Thread
from parley.forums.services.structure import create_forum
from tests.core.mirror_alias import committed_thread, mirrored_alias
from tests.world import build_world

THREAD_RELATED = ("forum", "forum__category", "forum__parent", "prefix")


def snapshot(obj: Model | None, depth: int = 0) -> Any:
    """All an instance holds: its class, every attribute (datetimes with their time zone), its
    state, and what select_related attached to it, recursively."""
    if obj is None:
        return None
    assert depth < 5, "a cycle among cached relations"

    def value(v: object) -> object:
        return (v, v.tzinfo) if isinstance(v, datetime) else v

    return {
        "class": type(obj),
        "attributes": {k: value(v) for k, v in vars(obj).items() if k != "_state"},
        "db": obj._state.db,
        "adding": obj._state.adding,
        "related": {
            name: snapshot(related, depth + 1) for name, related in obj._state.fields_cache.items()
        },
    }


def thread_by_id(values: Mapping[str, Any], shape: None) -> QuerySet[Thread]:
    return Thread.objects.select_related(*THREAD_RELATED).filter(pk=values["id"])


def posts_page(values: Mapping[str, Any], shape: str) -> QuerySet[Post]:
    """Posts of a thread between two positions; "published" leaves deleted and held ones out."""
    qs = Post.objects.filter(
        thread_id=values["thread"], position__range=(values["first"], values["last"])
    )
    if shape == "published":
        qs = qs.filter(is_deleted=False, awaiting_approval=False)
    return qs.select_related("author").order_by("position", "id")


class Counted:
    """A build function that counts how often it is called."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self.build = build
        self.calls = 0

    def __call__(self, values: Mapping[str, Any], shape: Any) -> QuerySet[Any]:
        self.calls += 1
        return self.build(values, shape)


class Sent:
    """The statements sent through the connection's execute wrappers: SQL, and each parameter
    with its exact type."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, list[tuple[type, object]]]] = []
        self._wrapper = connection.execute_wrapper(self._note)

    def _note(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements.append((sql, [(type(p), p) for p in params]))
        return execute(sql, params, many, context)

    def __enter__(self) -> Sent:
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapper.__exit__(*exc)


class PreparedQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = w = build_world()
        # A sub-forum (a thread whose forum has a parent) and a post whose author is gone (the
        # outer join of select_related brings no member).
        sub = create_forum(category=w.category, title="Harbour desk", parent=w.news)
        cls.sub_thread = services.create_thread(
            actor=w.other, forum=sub, title="Ferries", body="Running late."
        )
        cls.orphan = services.reply_to_thread(actor=w.other, thread=w.short_thread, body="Gone")
        Post.objects.filter(pk=cls.orphan.pk).update(author=None)

    def orm_posts(self, thread: Thread, first: int, last: int, shape: str) -> list[Post]:
        return list(posts_page({"thread": thread.pk, "first": first, "last": last}, shape))

    def test_instances_are_the_orms_field_by_field(self) -> None:
        prepared = PreparedQuery(Post, posts_page)
        for thread, first, last in [
            (self.w.long_thread, 1, 20),
            (self.w.long_thread, 21, 45),
            (self.w.short_thread, 1, 20),  # with the post whose author is gone
        ]:
            for shape in ("published", "all"):
                got = prepared.fetch(shape, thread=thread.pk, first=first, last=last)
                want = self.orm_posts(thread, first, last, shape)
                self.assertTrue(want)
                self.assertEqual([snapshot(p) for p in got], [snapshot(p) for p in want])
        got = prepared.fetch("all", thread=self.w.short_thread.pk, first=1, last=20)
        orphan = next(p for p in got if p.pk == self.orphan.pk)
        self.assertEqual(orphan._state.fields_cache, {"author": None})

        threads = PreparedQuery(Thread, thread_by_id)
        for thread in (self.w.long_thread, self.sub_thread, self.w.locked_thread):
            want = Thread.objects.select_related(*THREAD_RELATED).get(pk=thread.pk)
            self.assertEqual(snapshot(threads.first(None, id=thread.pk)), snapshot(want))
        self.assertIsNone(threads.first(None, id=10**12))

    def test_the_state_relations_and_times_of_an_instance(self) -> None:
        prepared = PreparedQuery(Post, posts_page)
        with self.assertNumQueries(1):
            posts = prepared.fetch("all", thread=self.w.long_thread.pk, first=1, last=20)
        self.assertEqual([p.position for p in posts], list(range(1, 21)))
        with self.assertNumQueries(0):  # select_related: the authors came with the posts
            authors = {p.author.username for p in posts if p.author}
        self.assertEqual(authors, {"Alice", "Bob"})
        for post in posts:
            self.assertEqual(post._state.db, DEFAULT_DB_ALIAS)
            self.assertFalse(post._state.adding)
            self.assertTrue(timezone.is_aware(post.created_at))
            self.assertIsInstance(post.is_deleted, bool)
        author = posts[0].author
        assert author is not None
        self.assertEqual(author.date_joined, self.w.member.date_joined)
        self.assertTrue(timezone.is_aware(author.date_joined))
        thread = PreparedQuery(Thread, thread_by_id).first(None, id=self.sub_thread.pk)
        assert thread is not None
        with self.assertNumQueries(0):
            self.assertEqual(thread.forum.parent, self.w.news)
            self.assertEqual(thread.forum.category, self.w.category)
            self.assertIsNone(thread.prefix)

    def test_compiled_once_then_only_run(self) -> None:
        build = Counted(posts_page)
        prepared = PreparedQuery(Post, build)
        for first in (1, 21, 41):
            # The SQL and values sent, down to their types (PostgreSQL's integer columns are
            # given psycopg's Int4), are those of the ORM's own query for these values.
            with Sent() as ran:
                got = prepared.fetch("all", thread=self.w.long_thread.pk, first=first, last=first)
            with Sent() as orm:
                want = self.orm_posts(self.w.long_thread, first, first, "all")
            self.assertEqual(ran.statements, orm.statements)
            self.assertEqual(len(ran.statements), 1)
            self.assertEqual([p.position for p in got], [first])
            self.assertEqual(got, want)
        self.assertEqual(build.calls, 2)  # two compilations, with two sets of stand-ins
        prepared.fetch("published", thread=self.w.long_thread.pk, first=1, last=20)
        self.assertEqual(build.calls, 4)
        self.assertEqual(
            sorted(prepared.shapes()),
            [(DEFAULT_DB_ALIAS, "all"), (DEFAULT_DB_ALIAS, "published")],
        )

    def test_strings_and_ints(self) -> None:
        prepared = PreparedQuery(
            Member, lambda v, shape: Member.objects.filter(username=v["name"], pk__gt=v["above"])
        )
        self.assertEqual(prepared.fetch(None, name="Alice", above=0), [self.w.member])
        self.assertEqual(prepared.fetch(None, name="Bob", above=0), [self.w.other])
        self.assertEqual(prepared.fetch(None, name="Bob", above=self.w.other.pk), [])
        self.assertEqual(prepared.fetch(None, name="Nobody", above=0), [])

    def test_query_watchers_see_it(self) -> None:
        seen: list[str] = []

        def watcher(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            seen.append(sql)
            return execute(sql, params, many, context)

        prepared = PreparedQuery(Thread, thread_by_id)
        with connection.execute_wrapper(watcher), CaptureQueriesContext(connection) as captured:
            prepared.first(None, id=self.w.long_thread.pk)
            prepared.first(None, id=self.w.short_thread.pk)
        self.assertEqual(len(seen), 2)
        self.assertEqual(len(captured), 2)
        self.assertIn(str(self.w.short_thread.pk), captured[1]["sql"])

    def test_a_filter_that_matches_nothing_runs_no_query(self) -> None:
        prepared = PreparedQuery(
            Post, lambda v, shape: Post.objects.filter(pk__in=[], thread_id=v["thread"])
        )
        with self.assertNumQueries(0):
            self.assertEqual(prepared.fetch(None, thread=self.w.long_thread.pk), [])
            self.assertEqual(prepared.fetch(None, thread=self.w.short_thread.pk), [])
        with self.assertRaises(PreparationError):  # the names are still held to
            prepared.fetch(None, other=1)

    def test_the_router_chooses_on_every_run(self) -> None:
        asked: list[type[Model]] = []

        class Spy:
            def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
                asked.append(model)
                return None  # no opinion: Django's default, as with no replicas

        prepared = PreparedQuery(Thread, thread_by_id)
        with override_settings(DATABASE_ROUTERS=[Spy()]):
            prepared.first(None, id=self.w.long_thread.pk)
            thread = prepared.first(None, id=self.w.short_thread.pk)
        self.assertEqual(asked, [Thread, Thread])
        assert thread is not None
        self.assertEqual(thread._state.db, DEFAULT_DB_ALIAS)


class RefusalTests(TestCase):
    """Whatever cannot be run again with new values by swapping parameters fails when first
    compiled, with the reason."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def refused(self, build: Callable[..., QuerySet[Any]], match: str, **values: Any) -> None:
        with self.assertRaisesRegex(PreparationError, match):
            PreparedQuery(Post, build).fetch(None, **values)

    def test_a_value_the_query_does_not_use(self) -> None:
        self.refused(
            lambda v, s: Post.objects.filter(position=1), "'thread' appears 0 times", thread=1
        )

    def test_a_value_used_twice(self) -> None:
        self.refused(
            lambda v, s: Post.objects.filter(Q(thread_id=v["id"]) | Q(author_id=v["id"])),
            "'id' appears 2 times",
            id=1,
        )

    def test_a_value_transformed_on_the_way(self) -> None:
        self.refused(
            lambda v, s: Post.objects.filter(body_source__contains=v["word"]),
            "'word' appears 0 times",
            word="bridge",
        )

    def test_a_constant_that_looks_like_a_sentinel(self) -> None:
        # The first int's sentinel is written by hand as well: it is found twice.
        self.refused(
            lambda v, s: Post.objects.filter(Q(thread_id=v["id"]) | Q(position=28_001)),
            "'id' appears 2 times",
            id=1,
        )

    def test_a_value_written_into_the_sql(self) -> None:
        self.refused(
            lambda v, s: Post.objects.order_by("pk")[: v["limit"]],
            "change the SQL itself",
            limit=5,
        )

    def test_a_constant_that_changes_between_builds(self) -> None:
        moments = itertools.count(1)
        self.refused(
            lambda v, s: Post.objects.filter(thread_id=v["id"], position__gt=next(moments)),
            "depends on a value",
            id=1,
        )

    def test_a_value_the_caller_did_not_give(self) -> None:
        self.refused(lambda v, s: Post.objects.filter(thread_id=v["thread"]), "'thread'")

    def test_what_the_router_or_iterable_would_decide_otherwise(self) -> None:
        self.refused(lambda v, s: Post.objects.using("default").all(), "router chooses")
        self.refused(lambda v, s: Post.objects.select_for_update(), "for_write=True")
        self.refused(lambda v, s: Post.objects.values("pk"), "model instances")
        self.refused(lambda v, s: Post.objects.prefetch_related("thread"), "prefetch")
        self.refused(lambda v, s: Thread.objects.all(), "queryset of Post")

    def test_a_value_wrapped_in_a_subclass_is_wrapped_alike(self) -> None:
        """As psycopg's Int4 wraps an int bound for an integer column on PostgreSQL."""

        class Int4(int):
            pass

        prepared = PreparedQuery(
            Post, lambda v, s: Post.objects.filter(thread_id=RawSQL("%s", (Int4(v["thread"]),)))
        )
        prepared.fetch(None, thread=self.w.short_thread.pk)  # compiled here
        ((_, _, wrap),) = prepared._compiled[(DEFAULT_DB_ALIAS, None)].slots
        self.assertIs(wrap, Int4)
        with Sent() as sent:
            prepared.fetch(None, thread=self.w.long_thread.pk)
        ((_, params),) = sent.statements
        self.assertEqual(params, [(Int4, self.w.long_thread.pk)])

    def test_values_are_held_to_their_names_and_types(self) -> None:
        prepared = PreparedQuery(Post, lambda v, s: Post.objects.filter(thread_id=v["thread"]))
        prepared.fetch(None, thread=self.w.long_thread.pk)
        with self.assertRaisesRegex(PreparationError, "takes the values"):
            prepared.fetch(None, thread=1, extra=2)
        with self.assertRaisesRegex(TypeError, "prepared as int"):
            prepared.fetch(None, thread=str(self.w.long_thread.pk))
        with self.assertRaisesRegex(TypeError, "prepared as int"):
            prepared.fetch(None, thread=True)
        with self.assertRaisesRegex(ValueError, "64-bit"):
            prepared.fetch(None, thread=2**63)
        with self.assertRaisesRegex(TypeError, "an int or a str"):
            PreparedQuery(Post, lambda v, s: Post.objects.filter(is_deleted=v["flag"])).fetch(
                None, flag=False
            )

    def test_a_value_in_the_shape_key_is_caught(self) -> None:
        prepared = PreparedQuery(Post, lambda v, s: Post.objects.filter(thread_id=s))
        for thread_id in range(1, MAX_SHAPES + 1):
            prepared.fetch(thread_id)
        with self.assertRaisesRegex(PreparationError, "shapes"):
            prepared.fetch(MAX_SHAPES + 1)


# --- Other databases and other threads (committed rows: transactional) ----------------------

MIRROR = "prepared_mirror"


class ToMirror:
    """Sends every read to the mirror alias."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return MIRROR


@pytest.fixture
def mirror() -> Iterator[str]:
    """A second alias on the test database (Django's TEST MIRROR), as tests/core/test_replicas
    adds its replica."""
    with mirrored_alias(MIRROR) as alias:
        yield alias


@pytest.fixture
def thread() -> Thread:
    return committed_thread(replies=1)


@pytest.mark.django_db(transaction=True)
def test_runs_on_the_alias_the_router_chooses(mirror: str, thread: Thread) -> None:
    prepared = PreparedQuery(Post, posts_page)
    values = {"thread": thread.pk, "first": 1, "last": 20}
    want = list(posts_page(values, "all"))
    with override_settings(DATABASE_ROUTERS=[ToMirror()]):
        assert router.db_for_read(Post) == mirror
        with (
            CaptureQueriesContext(connections[mirror]) as on_mirror,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            got = prepared.fetch("all", **values)
        orm = list(posts_page(values, "all"))
    assert len(on_mirror) == 1 and len(on_default) == 0
    assert [p._state.db for p in got] == [mirror, mirror] == [p._state.db for p in orm]
    assert [p.author._state.db for p in got] == [mirror, mirror]  # type: ignore[union-attr]
    assert [snapshot(p) for p in got] == [snapshot(p) for p in orm]
    prepared.fetch("all", **values)  # the default alias has its own compiled SQL
    assert sorted(prepared.shapes()) == [(DEFAULT_DB_ALIAS, "all"), (mirror, "all")]
    assert [p.pk for p in got] == [p.pk for p in want]


class ToMirrorForReadsOnly(ToMirror):
    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS


def locked_thread(values: Mapping[str, Any], shape: None) -> QuerySet[Thread]:
    return Thread.objects.select_for_update().filter(pk=values["id"])


@pytest.mark.django_db(transaction=True)
def test_a_write_paths_query_runs_where_writes_go_and_locks(mirror: str, thread: Thread) -> None:
    """`for_write`: a write path's read inside its transaction, on the writing database (never a
    replica), with its row lock; outside a transaction the lock is refused, as the ORM does."""
    prepared = PreparedQuery(Thread, locked_thread, for_write=True)
    with override_settings(DATABASE_ROUTERS=[ToMirrorForReadsOnly()]):
        with (
            transaction.atomic(),
            CaptureQueriesContext(connections[mirror]) as on_mirror,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        ):
            got = prepared.first(None, id=thread.pk)
        with pytest.raises(TransactionManagementError):
            prepared.first(None, id=thread.pk)
    assert got is not None and got.pk == thread.pk and got._state.db == DEFAULT_DB_ALIAS
    assert len(on_mirror) == 0 and len(on_default) == 1
    locks = connection.features.has_select_for_update
    assert on_default[0]["sql"].endswith(" FOR UPDATE") == locks


@pytest.mark.django_db(transaction=True)
def test_other_threads_use_their_own_connection(
    thread: Thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled in this thread, run in others: the backend's converters (SQLite's datetimes and
    booleans are methods of its connection's `ops`) run with the running thread's connection."""
    prepared = PreparedQuery(Post, posts_page)
    values = {"thread": thread.pk, "first": 1, "last": 20}
    want = [snapshot(p) for p in posts_page(values, "all")]
    assert [snapshot(p) for p in prepared.fetch("all", **values)] == want
    ops_class = type(connection.ops)
    converting: list[object] = []
    if hasattr(ops_class, "convert_datetimefield_value"):  # SQLite (PostgreSQL's need none)
        original = ops_class.convert_datetimefield_value

        def spy(self: Any, value: Any, expression: Any, conn: Any) -> Any:
            converting.append(self)
            return original(self, value, expression, conn)

        monkeypatch.setattr(ops_class, "convert_datetimefield_value", spy)
        # What prepared.py binds afresh is the function it took from the compiling thread:
        # compile again, with the spy in place, before the threads run.
        prepared = PreparedQuery(Post, posts_page)
        prepared.fetch("all", **values)
    results: dict[int, Any] = {}
    their_ops: dict[int, object] = {}

    def run(n: int) -> None:
        try:
            their_ops[n] = connections[DEFAULT_DB_ALIAS].ops
            results[n] = [snapshot(p) for p in prepared.fetch("all", **values)]
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(3)]
    converting.clear()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == {0: want, 1: want, 2: want}
    assert len(set(map(id, their_ops.values()))) == 3
    if hasattr(ops_class, "convert_datetimefield_value"):
        assert converting, "the spy never ran"
        assert {id(ops) for ops in converting} == {id(ops) for ops in their_ops.values()}
        assert connection.ops not in converting
