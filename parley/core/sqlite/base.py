"""Django's SQLite backend, with writers queued on an operating-system lock and the WAL
checkpointed off the request path.

Writers. Every transaction is IMMEDIATE (settings): it takes SQLite's write lock as it begins. A
second writer meanwhile gets SQLITE_BUSY, and SQLite's busy handler sleeps and retries (1, 2, 5,
10 … up to 100 ms between tries), so under steady writing a waiting worker sleeps through much
of the time the lock is free and loses it to writers that arrive meanwhile. Here a transaction
first takes an exclusive `flock` on a file beside the database (`<name>-writers`), which the
kernel hands to the next waiter the moment it is released. SQLite's own lock and busy timeout
stay behind it, for writes that are not Parley's transactions (a single statement in
autocommit, the sqlite3 shell). The lock is per connection (each opens the file), held from
BEGIN to the end of COMMIT or ROLLBACK, and released by the kernel if the process dies.

Checkpoints. By default the commit that takes the WAL past 1,000 pages copies them into the
database and syncs it, inside that commit: the reply that happened to commit then took up to
seconds on a big board (the bench's p99 stalls). In a process whose background flusher runs (a
web worker: core/flusher.py, started by the first transaction if nothing started it before),
that flusher checkpoints every second instead (PASSIVE: readers
and writers carry on), and this process's writers checkpoint only past
`FALLBACK_CHECKPOINT_PAGES`, should the flusher fall behind. Anywhere else (commands, tests)
SQLite's default stands."""

from __future__ import annotations

import fcntl
import os
import threading

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3 import base

from parley.core import flusher, knobs

# Writers' own checkpoint threshold where the flusher checkpoints (4 KB pages: about 80 MB).
FALLBACK_CHECKPOINT_PAGES = 20_000


# (lock file, thread) pairs holding the writers' lock in this process.
_held: set[tuple[str, int]] = set()


class DatabaseWrapper(base.DatabaseWrapper):
    _writers_fd: int | None = None
    _holding: tuple[str, int] | None = None  # this connection's entry in _held
    _checkpoints_in_background = False

    def _writers_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if not name or self.is_in_memory_db():
            return None
        return f"{name}-writers"

    def _start_transaction_under_autocommit(self) -> None:
        path = self._writers_lock_path()
        # A thread that already holds the lock through another connection to the same file
        # (two aliases of one database) would wait for itself forever: that transaction waits
        # on SQLite's busy timeout instead, as it did before this lock.
        if path is not None and (path, threading.get_ident()) not in _held:
            if self._writers_fd is None:
                self._writers_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._writers_fd, fcntl.LOCK_EX)
            self._holding = (path, threading.get_ident())
            _held.add(self._holding)
        try:
            if not self._checkpoints_in_background and knobs.BACKGROUND_FLUSH.get():
                flusher.ensure_started()  # a worker that has only written has none yet
                if flusher.is_running():
                    self._checkpoints_in_background = True
                    with self.cursor() as cursor:
                        cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_CHECKPOINT_PAGES}")
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private, not in the stubs
        except BaseException:
            self._release_writers()
            raise

    def _release_writers(self) -> None:
        if self._holding is not None and self._writers_fd is not None:
            fcntl.flock(self._writers_fd, fcntl.LOCK_UN)
        if self._holding is not None:
            _held.discard(self._holding)
            self._holding = None

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            # A COMMIT that failed leaves the transaction open: the rollback that follows
            # releases the lock.
            if self.connection is None or not self.connection.in_transaction:
                self._release_writers()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writers()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._checkpoints_in_background = False
            self._release_writers()
            if self._writers_fd is not None:
                os.close(self._writers_fd)
                self._writers_fd = None


def checkpoint(connection: BaseDatabaseWrapper | None = None) -> None:
    """The flusher's job: copy the WAL into the database without blocking anyone (PASSIVE), on
    this thread's connection (or the one given)."""
    if connection is None:
        from django.db import connection as default

        connection = default
    if not isinstance(connection, DatabaseWrapper) or connection.is_in_memory_db():
        return  # PostgreSQL, or Django's own SQLite backend
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


flusher.register("sqlite-checkpoint", checkpoint)
