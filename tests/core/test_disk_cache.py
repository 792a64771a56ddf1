"""The embedded cache keeps its SQLite connections across requests (closing them cost a WAL
checkpoint per request) and still works after a fork."""

from __future__ import annotations

import os
import tempfile

from django.core.signals import request_finished
from django.test import SimpleTestCase

from parley.core.disk_cache import DiskCache


def _connections(cache: DiskCache) -> list[object]:
    return [getattr(shard._local, "con", None) for shard in cache._cache._shards]


class DiskCacheTests(SimpleTestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.cache = DiskCache(folder.name, {"SHARDS": 2})

    def test_a_finished_request_leaves_the_connections_open(self) -> None:
        self.cache.set_many({"a": 1, "b": 2, "c": 3, "d": 4})
        before = _connections(self.cache)
        self.assertTrue(all(before))
        request_finished.connect(self.cache.close)
        self.addCleanup(request_finished.disconnect, self.cache.close)
        request_finished.send(sender=self.__class__)
        self.assertEqual(_connections(self.cache), before)
        self.assertEqual(self.cache.get_many(["a", "d"]), {"a": 1, "d": 4})

    def test_a_forked_child_opens_its_own(self) -> None:
        self.cache.set("before", "fork")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer through the pipe, never return into the test runner
            try:
                self.cache.set("child", "wrote")
                ok = self.cache.get("before") == "fork"
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.close(read)
        os.waitpid(pid, 0)
        self.assertEqual(answer, b"1")
        self.assertEqual(self.cache.get("child"), "wrote")
