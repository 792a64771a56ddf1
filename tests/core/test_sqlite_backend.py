"""Parley's SQLite backend (`parley/core/sqlite/base.py`): writers queue on a lock file, held
from BEGIN to the end of COMMIT or ROLLBACK; the WAL is checkpointed by the background flusher
where one runs, not inside a request's commit. Each test opens its own database file."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.utils import DatabaseError
from django.test import override_settings

from parley.core import flusher
from parley.core.sqlite.base import FALLBACK_CHECKPOINT_PAGES, DatabaseWrapper, checkpoint

ALIAS = "sqlite_backend_test"


@pytest.fixture
def db(tmp_path: Path, django_db_blocker: Any) -> Iterator[DatabaseWrapper]:
    """A connection, configured as the board's, to a database file of this test's own."""
    config = {
        **settings.DATABASES["default"],
        "ENGINE": settings.SQLITE_ENGINE,
        "NAME": str(tmp_path / "board.sqlite3"),
        "OPTIONS": dict(settings.DATABASES["default"].get("OPTIONS", {}))
        if settings.DATABASES["default"]["ENGINE"] == settings.SQLITE_ENGINE
        else {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        "TEST": {},
    }
    wrapper = DatabaseWrapper(config, alias=ALIAS)
    connections[ALIAS] = wrapper  # for transaction.atomic(using=ALIAS), in this thread
    # Not the test database: pytest-django's guard is for that one.
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
            # Every connection's writes bump the guest page cache's stamp (core/page_cache.py).
            cursor.execute("CREATE TABLE core_stamp (name TEXT PRIMARY KEY, value INTEGER)")
        try:
            yield wrapper
        finally:
            wrapper.close()
            del connections[ALIAS]


def lock_is_free(db: DatabaseWrapper) -> bool:
    """Can another open file description take the writers' lock right now?"""
    fd = os.open(f"{db.settings_dict['NAME']}-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def write(db: DatabaseWrapper, body: str) -> None:
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO note (body) VALUES (%s)", [body])


def test_a_transaction_holds_the_writers_lock_until_it_ends(db: DatabaseWrapper) -> None:
    assert lock_is_free(db)
    with transaction.atomic(using=ALIAS):
        write(db, "one")
        assert not lock_is_free(db)
        with transaction.atomic(using=ALIAS):  # a savepoint takes nothing more
            write(db, "two")
        assert not lock_is_free(db)
    assert lock_is_free(db)
    with pytest.raises(ZeroDivisionError), transaction.atomic(using=ALIAS):
        write(db, "three")
        _ = 1 / 0
    assert lock_is_free(db)  # rolled back: released too
    with db.cursor() as cursor:
        cursor.execute("SELECT body FROM note ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["one", "two"]


def test_a_failed_begin_releases_the_lock(db: DatabaseWrapper) -> None:
    with (
        mock.patch(
            "django.db.backends.sqlite3.base.DatabaseWrapper._start_transaction_under_autocommit",
            side_effect=DatabaseError("disk I/O error"),
        ),
        pytest.raises(DatabaseError),
        transaction.atomic(using=ALIAS),
    ):
        pass
    assert lock_is_free(db)


def impatient(db: DatabaseWrapper, alias: str, seconds: float) -> DatabaseWrapper:
    """Another connection to the same file whose SQLite busy timeout is `seconds`."""
    options = dict(db.settings_dict["OPTIONS"])
    options["timeout"] = seconds
    options["init_command"] = options.get("init_command", "").replace(
        f"busy_timeout={settings.SQLITE_BUSY_TIMEOUT_MS}", f"busy_timeout={int(seconds * 1000)}"
    )
    return DatabaseWrapper({**db.settings_dict, "OPTIONS": options}, alias=alias)


def test_a_second_writer_queues_on_the_lock_file_not_on_sqlites_busy_handler(
    db: DatabaseWrapper,
) -> None:
    """A second worker's transaction waits for the first one's commit on the lock file, then
    begins: even with no SQLite busy timeout at all, it never meets "database is locked"."""
    other = impatient(db, ALIAS + "_2", 0)
    began: list[float] = []
    with transaction.atomic(using=ALIAS):
        write(db, "first")
        # The other connection begins from its own thread, as a second worker would.
        thread = threading.Thread(target=_in_thread, args=(other, began))
        thread.start()
        time.sleep(0.3)
        assert began == []  # still waiting
        committed_at = time.monotonic()
    thread.join(5)
    assert len(began) == 1 and began[0] >= committed_at


def test_a_thread_writing_through_two_connections_does_not_wait_for_itself(
    db: DatabaseWrapper,
) -> None:
    """Two aliases of one file in one thread: the second transaction meets SQLite's busy
    timeout (here a short one), not an endless wait for the lock its own thread holds."""
    other = impatient(db, ALIAS + "_3", 0.2)
    outcome: list[str] = []

    def second_while_first_is_open() -> None:
        connections[ALIAS] = db
        connections[other.alias] = other
        db.inc_thread_sharing()
        other.inc_thread_sharing()
        try:
            with transaction.atomic(using=ALIAS):
                write(db, "first")
                try:
                    with transaction.atomic(using=other.alias):
                        outcome.append("second began")
                except DatabaseError as error:
                    outcome.append(f"refused: {error}")
        finally:
            other.close()
            other.dec_thread_sharing()
            db.dec_thread_sharing()
            del connections[other.alias]

    thread = threading.Thread(target=second_while_first_is_open, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the thread waited for itself"
    assert outcome == ["refused: database is locked"]
    assert lock_is_free(db)


def _in_thread(connection: DatabaseWrapper, began: list[float]) -> None:
    connections[connection.alias] = connection
    connection.inc_thread_sharing()
    try:
        with transaction.atomic(using=connection.alias):  # BEGIN, behind the writers' lock
            began.append(time.monotonic())
    finally:
        connection.close()
        connection.dec_thread_sharing()
        del connections[connection.alias]


def autocheckpoint(db: DatabaseWrapper) -> int:
    with db.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


def test_writers_leave_checkpoints_to_a_running_flusher(db: DatabaseWrapper) -> None:
    with mock.patch.object(flusher, "is_running", return_value=False):
        with transaction.atomic(using=ALIAS):
            write(db, "no flusher here")
        assert autocheckpoint(db) == 1000  # SQLite's own default
    with (
        mock.patch.object(flusher, "is_running", return_value=True),
        mock.patch.object(flusher, "ensure_started"),
        override_settings(PARLEY_BACKGROUND_FLUSH=True),
    ):
        with transaction.atomic(using=ALIAS):
            write(db, "a web worker")
        assert autocheckpoint(db) == FALLBACK_CHECKPOINT_PAGES


def test_the_flushers_checkpoint_copies_the_wal_into_the_database(db: DatabaseWrapper) -> None:
    name = Path(db.settings_dict["NAME"])
    with db.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # only the checkpoint below copies
    for i in range(50):
        with transaction.atomic(using=ALIAS):
            write(db, f"note {i} " + "x" * 4000)
    before = name.stat().st_size
    checkpoint(db)
    assert name.stat().st_size > before + 50 * 4000  # the rows reached the database file
    reader = sqlite3.connect(name)
    assert reader.execute("SELECT count(*) FROM note").fetchone() == (50,)
    reader.close()


def test_every_process_flusher_runs_the_checkpoint_each_tick() -> None:
    job = flusher._jobs["sqlite-checkpoint"]
    assert job.run is checkpoint and job.every_ticks == 1


def test_no_checkpoint_inside_a_transaction(db: DatabaseWrapper) -> None:
    with transaction.atomic(using=ALIAS):
        write(db, "pending")
        with mock.patch.object(db, "cursor") as cursor:
            checkpoint(db)
        cursor.assert_not_called()
