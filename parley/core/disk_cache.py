"""The embedded cache: diskcache's SQLite-backed Django cache, shared by every worker process on
the machine through files in the data directory."""

from __future__ import annotations

from typing import Any

from diskcache import DjangoCache


class DiskCache(DjangoCache):  # type: ignore[misc]  # diskcache has no type hints
    """Keeps its SQLite connections open between requests. Django closes every cache when a
    request ends; diskcache would then close its shard connections, and closing the last
    connection to a WAL database checkpoints it, about 2 ms a request, only to reopen and set
    the connection up again on the next one. diskcache's connections are per thread and are
    reopened after a fork (it checks the process id), so keeping them is safe."""

    def close(self, **kwargs: Any) -> None:
        pass
