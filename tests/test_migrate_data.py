"""`parley migrate-data`: a small board on SQLite, copied into a fresh PostgreSQL database.

The source is this run's SQLite test database, so the test runs in `make test`'s SQLite pass
(the PostgreSQL pass skips it: its board is not on SQLite, and both passes would share the one
target database). It needs PostgreSQL on 127.0.0.1:5432, as `make test` does; under `make
test-sqlite`, which promises no PostgreSQL, it is skipped when none answers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, connections
from django.db.models import Max
from django.test import Client

from parley import cli
from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.migrate_data import as_default, copied_models, databases
from parley.moderation.discipline.services import ban_member
from parley.moderation.models import Ban, Report, ReportReason
from parley.moderation.reports.services import report_post
from parley.permissions.services import make_forum_private
from tests.world import PASSWORD, build_world

pytestmark = pytest.mark.django_db(transaction=True)  # the command reads committed rows

SERVER_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/parley")
TARGET_DATABASE = "parley_migrate_target"


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture
def target_url() -> Iterator[str]:
    if connection.vendor != "sqlite":
        pytest.skip("the source board is SQLite: runs in make test's SQLite pass")
    maintenance = _with_database(SERVER_URL, "postgres")
    try:
        server = psycopg.connect(maintenance, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if "PG_URL" in os.environ:  # `make test` promised a server
            raise
        pytest.skip("no PostgreSQL answers on 127.0.0.1:5432 (make test starts with one)")
    with server:
        server.execute(f"DROP DATABASE IF EXISTS {TARGET_DATABASE} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {TARGET_DATABASE}")
        try:
            yield _with_database(SERVER_URL, TARGET_DATABASE)
        finally:
            server.execute(f"DROP DATABASE IF EXISTS {TARGET_DATABASE} WITH (FORCE)")


def build_board() -> dict[str, int]:
    w = build_world()
    reason, _ = ReportReason.objects.get_or_create(title="Spam or advertising")
    report_post(actor=w.member, post=w.short_thread.first_post, reason=reason, message="Odd tea")
    ban_member(actor=w.admin, member=w.other, reason="Rude in the lounge")
    staff = Group.objects.create(name="Staff room")
    staff.permissions.add(Permission.objects.get(codename="view_post"))
    w.moderator.groups.add(staff)
    room = create_forum(category=create_category(title="Staff"), title="Back office")
    make_forum_private(forum=room, allowed_groups=[staff])
    secret = services.create_thread(
        actor=w.admin, forum=room, title="Quarterly plans", body="Zeppelin budget approved."
    )
    return {"long_thread": w.long_thread.pk, "secret": secret.pk, "room": room.pk}


def rows(alias: str, model: type, **filters: object) -> list[dict[str, object]]:
    return list(model._base_manager.using(alias).filter(**filters).order_by("pk").values())


def test_a_board_moves_from_sqlite_to_postgresql(target_url, capsys):
    ids = build_board()
    source_path = connection.settings_dict["NAME"]

    assert cli.main(["migrate-data", "--from", source_path, "--to", target_url]) == 0
    out = capsys.readouterr().out
    assert "Migrating the target database" in out
    assert "forums.Post: 48 rows" in out
    assert "Indexed 48 of 48 posts" in out

    with databases(source_path, target_url) as (source, target):
        for model in copied_models():
            assert model._base_manager.using(target).count() == (
                model._base_manager.using(source).count()
            ), model._meta.label
        assert Ban._base_manager.using(target).count() == 1
        assert Report._base_manager.using(target).count() == 1

        alice = Member._base_manager.using(target).get(username="Alice")
        assert alice.check_password(PASSWORD)
        assert not alice.check_password("not-her-password")

        # The thread page's posts and every counter of its thread and forum, as they were.
        thread_id = ids["long_thread"]
        for model, where in ((Post, {"thread_id": thread_id}), (Thread, {"pk": thread_id})):
            assert rows(target, model, **where) == rows(source, model, **where)
        assert rows(target, Forum) == rows(source, Forum)

        # Group permissions name the same permissions (content types copied with their ids).
        staff = Group.objects.using(target).get(name="Staff room")
        assert list(staff.permissions.values_list("codename", "content_type__model")) == [
            ("view_post", "post")
        ]

        with connections[target].cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM search_entry WHERE document @@ plainto_tsquery('english', %s)",
                ["zeppelin"],
            )
            found = [row[0] for row in cursor.fetchall()]
        secret_first_post = Thread.objects.using(target).get(pk=ids["secret"]).first_post_id
        assert found == [secret_first_post]

        # The target's own pages, served from it: the thread, its counters, search.
        with as_default(target):
            client = Client()
            client.force_login(Member.objects.get(username="Alice"))
            thread = Thread.objects.get(pk=thread_id)
            page = client.get(thread.get_absolute_url())
            assert page.status_code == 200
            assert "Harbour bridge closed after storm" in page.content.decode()
            assert "harbour" in client.get("/search/?q=harbour+bridge").content.decode().lower()

            # Sequences continue past the copied ids.
            newest = Post.objects.aggregate(newest=Max("pk"))["newest"]
            reply = services.reply_to_thread(actor=thread.author, thread=thread, body="Fresh id")
            assert reply.pk > newest
            member = Member.objects.create_user(username="Newcomer", email="new@example.org")
            assert member.pk > Member.objects.exclude(pk=member.pk).aggregate(m=Max("pk"))["m"]

    # A second run finds a board there, and leaves it alone.
    assert cli.main(["migrate-data", "--from", source_path, "--to", target_url]) == 1
    assert "not empty" in capsys.readouterr().err
