"""`parley migrate-data`: move a whole board from the embedded SQLite database to PostgreSQL.

Every model's rows are copied with their primary keys (members with their password hashes,
sessions unless left out, forums, threads, posts, groups and permissions, moderation records,
alerts, news feeds, stamps…), table by table in dependency order and in batches, in one
transaction on the target: a failure leaves it as it was. The source is only read, in one read
transaction, so what is copied is one consistent moment of the board even if it is still
running (anything written after that moment is not copied: stop the board first).

- Rows the migrations write (content types, Django's permissions, the built-in groups and their
  entries, report reasons, stamps) are replaced by the source's, ids included, so every
  reference to them (group permissions, the admin's log, a group's permission entries) keeps
  meaning the same thing. Every other table must be empty on the target, or nothing is done.
- Values go through each field's own conversion (read as Python values from the source, written
  as the target stores them), not through `bulk_create`, which would give auto_now_add fields
  the time of the copy.
- Then PostgreSQL's sequences are moved past the copied ids (Django's `sqlsequencereset`),
  the `perms` and `content` stamps are bumped (nothing cached under the old values is served),
  and the search index, which is not a copied table (FTS5 and tsvector differ), is rebuilt on
  the target by `parley reindex`'s own code."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import dj_database_url
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, Model
from django.db.utils import load_backend

from parley.accounts.models import MemberSession
from parley.core import stamps
from parley.core.models import Stamp
from parley.core.page_cache import unseen_by_guests
from parley.moderation.models import ReportReason
from parley.permissions.models import GroupProfile, PermissionEntry
from parley.search import index
from parley.search.models import SearchEntry

SOURCE_ALIAS = "parley_migrate_source"
TARGET_ALIAS = "parley_migrate_target"
COPY_BATCH_ROWS = 2000  # rows read and inserted at a time: memory stays flat on any board

# What the migrations (and the post_migrate signal) write into a fresh database: replaced by the
# source's rows. A migration that starts filling another table makes a fresh target look
# non-empty, and tests/test_migrate_data.py fails until it is named here.
FILLED_BY_MIGRATIONS: tuple[type[Model], ...] = (
    ContentType,
    Permission,
    Group,
    Group.permissions.through,
    GroupProfile,
    PermissionEntry,
    ReportReason,
    Stamp,
)


class CannotMigrate(Exception):
    """The databases are not fit for a copy (the message says why and what to do)."""


@dataclass(frozen=True)
class Copied:
    tables: dict[str, int]  # "app_label.Model" -> rows copied
    indexed_posts: int


# --- The two databases --------------------------------------------------------------------------


def database_settings(location: str) -> dict[str, Any]:
    """Django settings for a database URL, or for the path of a SQLite file."""
    if "://" in location:
        try:
            config: dict[str, Any] = dict(dj_database_url.parse(location))
        except ValueError as exc:  # an unknown scheme
            raise CannotMigrate(f"{location}: {exc}") from None
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": location}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(config["NAME"]).expanduser()
        # Opening a missing file would create an empty board and copy nothing.
        if not path.is_file():
            raise CannotMigrate(f"No SQLite database at {path}.")
        config["NAME"] = str(path.resolve())
    return config


@contextmanager
def databases(source: str, target: str) -> Iterator[tuple[str, str]]:
    """Connections to both, under two more aliases, for as long as the block runs. Made here
    rather than added to the DATABASES setting, which stays the process's own (and which the
    test runner only lets a test use if it named the alias beforehand)."""
    for alias, location in ((SOURCE_ALIAS, source), (TARGET_ALIAS, target)):
        # configure_settings fills in what Django expects of every entry (it wants a default).
        config = connections.configure_settings({DEFAULT_DB_ALIAS: database_settings(location)})
        backend = load_backend(config[DEFAULT_DB_ALIAS]["ENGINE"])
        connections[alias] = backend.DatabaseWrapper(config[DEFAULT_DB_ALIAS], alias)
    try:
        yield SOURCE_ALIAS, TARGET_ALIAS
    finally:
        for alias in (SOURCE_ALIAS, TARGET_ALIAS):
            connections[alias].close()
            del connections[alias]


@contextmanager
def as_default(alias: str) -> Iterator[None]:
    """Make `alias` this thread's default connection for the block: code written for the one
    database (the search index's rebuild uses `django.db.connection`) then runs on it."""
    saved = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = connections[alias]
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = saved


def pending_migrations(alias: str) -> list[str]:
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def applied_migrations(alias: str) -> set[tuple[str, str]]:
    return set(MigrationRecorder(connections[alias]).applied_migrations())


# --- What is copied, in which order -------------------------------------------------------------


def copied_models(*, sessions: bool = True) -> list[type[Model]]:
    """Every table of every installed app, auto-created many-to-many tables included, parents
    before the rows that point to them."""
    left_out: set[type[Model]] = {SearchEntry}  # rebuilt on the target instead
    if not sessions:
        left_out |= {MemberSession, *_django_session_models()}
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model not in left_out
    ]
    return dependency_order(models)


def _django_session_models() -> list[type[Model]]:
    if apps.is_installed("django.contrib.sessions"):
        return [apps.get_model("sessions", "Session")]
    return []


def dependency_order(models: Sequence[type[Model]]) -> list[type[Model]]:
    """Models after those their required foreign keys point to (a post after its thread, a
    thread after its forum). Optional ones are left out, which breaks the cycles (a thread's
    first post, a forum's last post): PostgreSQL checks Django's foreign keys at commit
    (DEFERRABLE INITIALLY DEFERRED), and the whole copy is one transaction."""
    present = set(models)
    ordered: list[type[Model]] = []
    state: dict[type[Model], str] = {}

    def visit(model: type[Model]) -> None:
        if state.get(model):
            return  # done, or in progress higher up: a cycle
        state[model] = "visiting"
        for field in model._meta.concrete_fields:
            related = field.related_model if field.is_relation and not field.null else None
            if isinstance(related, type) and related in present and related is not model:
                visit(related)
        state[model] = "done"
        ordered.append(model)

    for model in sorted(models, key=lambda m: m._meta.label):
        visit(model)
    return ordered


def _table(alias: str, model: type[Model]) -> str:
    return connections[alias].ops.quote_name(model._meta.db_table)


def non_empty_tables(alias: str, models: Sequence[type[Model]]) -> list[str]:
    """The tables, besides those the migrations fill, that hold rows (missing tables are empty)."""
    existing = set(connections[alias].introspection.table_names())
    return [
        model._meta.label
        for model in models
        if model not in FILLED_BY_MIGRATIONS
        and model._meta.db_table in existing
        and model._base_manager.using(alias).exists()
    ]


# --- The copy -----------------------------------------------------------------------------------


def check_ready(source: str, target: str, models: Sequence[type[Model]]) -> None:
    if connections[target].vendor != "postgresql":
        raise CannotMigrate("The target must be a PostgreSQL database (postgres://…).")
    pending = pending_migrations(source)
    if pending:
        raise CannotMigrate(
            f"The source database lacks {len(pending)} migration(s) of this version of Parley "
            f"(first: {pending[0]}). Run `parley migrate` on the source board first."
        )
    if applied_migrations(source) != applied_migrations(target) or pending_migrations(target):
        raise CannotMigrate(
            "The source and the target are not migrated alike: run `parley migrate` on both "
            "with this version of Parley."
        )
    ensure_empty(target, models)


def ensure_empty(alias: str, models: Sequence[type[Model]]) -> None:
    full = non_empty_tables(alias, models)
    if full:
        raise CannotMigrate(
            "The target database is not empty: "
            + ", ".join(full[:5])
            + (f" and {len(full) - 5} more" if len(full) > 5 else "")
            + " already hold rows. Copy into a new, empty database."
        )


def copy_table(
    model: type[Model],
    *,
    source: str,
    target: str,
    batch_rows: int,
    progress: Callable[[int, int], object],
) -> int:
    """Copy every row, keyset-paged by primary key (any orderable key: ids, names, session
    keys). Returns how many."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    names = [f.attname for f in fields]
    key = names.index(model._meta.pk.attname)
    target_connection = connections[target]
    columns = ", ".join(target_connection.ops.quote_name(f.column or f.attname) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    insert = f"INSERT INTO {_table(target, model)} ({columns}) VALUES ({marks})"  # noqa: S608
    prepares = [f.get_db_prep_save for f in fields]  # what bulk_create does, bar pre_save
    rows = model._base_manager.using(source).order_by("pk").values_list(*names)
    total = rows.count()
    done = 0
    last: Any = None
    while True:
        batch = list((rows if last is None else rows.filter(pk__gt=last))[:batch_rows])
        if not batch:
            break
        prepared = [
            [
                prepare(v, connection=target_connection)
                for prepare, v in zip(prepares, row, strict=True)
            ]
            for row in batch
        ]
        with target_connection.cursor() as cursor:
            cursor.executemany(insert, prepared)
        done += len(batch)
        last = batch[-1][key]
        progress(done, max(total, done))
    return done


def reset_sequences(alias: str, models: Sequence[type[Model]]) -> None:
    """What `sqlsequencereset` prints, run: new rows get ids after the copied ones."""
    connection = connections[alias]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def bump_stamps(alias: str) -> None:
    """Permission tables and guests' pages cached under the copied stamps (in a Redis the old
    board shared, say) are never served from the new database."""
    for name in (stamps.PERMS, stamps.CONTENT):
        updated = Stamp.objects.using(alias).filter(name=name).update(value=F("value") + 1)
        if not updated:
            Stamp.objects.using(alias).create(name=name, value=stamps.INITIAL + 1)


def migrate_data(
    *,
    source: str,
    target: str,
    sessions: bool = True,
    batch_rows: int = COPY_BATCH_ROWS,
    out: TextIO | None = None,
) -> Copied:
    """Copy the board from the database `source` to the empty, migrated PostgreSQL database
    `target` (both aliases of configured connections), then reset the target's sequences, bump
    its stamps and rebuild its search index. Raises CannotMigrate before writing anything if
    the databases are not fit for it."""
    out = out or sys.stdout
    models = copied_models(sessions=sessions)
    check_ready(source, target, models)
    counts: dict[str, int] = {}
    with (
        transaction.atomic(using=source),  # one consistent moment of the source
        transaction.atomic(using=target),
        unseen_by_guests(target),  # the stamps are bumped once, at the end
    ):
        with connections[target].cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in reversed(models):
                if model in FILLED_BY_MIGRATIONS:
                    cursor.execute(f"DELETE FROM {_table(target, model)}")  # noqa: S608
        for model in models:
            label = model._meta.label

            def progress(done: int, total: int, label: str = label) -> None:
                if done < total:
                    out.write(f"  {label}: {done:,} of {total:,} rows…\n")

            counts[label] = copy_table(
                model, source=source, target=target, batch_rows=batch_rows, progress=progress
            )
            out.write(f"{label}: {counts[label]:,} rows\n")
            out.flush()
        reset_sequences(target, models)
        bump_stamps(target)
    ContentType.objects.clear_cache()  # ids cached per database may have changed
    out.write("Rebuilding the search index on the target…\n")

    def indexed(done: int, total: int) -> None:
        out.write(f"  Indexed {done:,} of {total:,} posts.\n")
        out.flush()

    with as_default(target):
        posts = index.rebuild(progress=indexed)
    return Copied(tables=counts, indexed_posts=posts)


def run(
    *,
    source: str,
    target: str,
    sessions: bool = True,
    batch_rows: int = COPY_BATCH_ROWS,
    out: TextIO | None = None,
) -> Copied:
    """`parley migrate-data --from SOURCE --to TARGET`: SOURCE is a SQLite file's path or a
    database URL, TARGET a PostgreSQL URL. Migrates the target first if it is empty."""
    out = out or sys.stdout
    with databases(source, target) as (source_alias, target_alias):
        models = copied_models(sessions=sessions)
        if connections[target_alias].vendor != "postgresql":
            raise CannotMigrate("The target must be a PostgreSQL database (postgres://…).")
        ensure_empty(target_alias, models)  # before migrating it: a board is left untouched
        if pending_migrations(target_alias):
            out.write("Migrating the target database…\n")
            # As its default: some data migrations write through the default connection
            # (`Model.objects`, not `.using(schema_editor.connection.alias)`).
            with as_default(target_alias):
                call_command("migrate", database=target_alias, interactive=False, verbosity=0)
        return migrate_data(
            source=source_alias,
            target=target_alias,
            sessions=sessions,
            batch_rows=batch_rows,
            out=out,
        )
