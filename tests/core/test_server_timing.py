"""Every response says how long the application took (`Server-Timing: app;dur=…`)."""

from __future__ import annotations

import re

from django.test import TestCase

from tests.world import build_world

DURATION = re.compile(r"^app;dur=(\d+\.\d)$")


class ServerTimingTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def test_pages_and_errors_carry_the_application_time(self) -> None:
        for url, status in [
            (self.world.long_thread.get_absolute_url(), 200),
            ("/", 200),
            ("/threads/no-such.999999/", 404),
        ]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, status, url)
            found = DURATION.match(response.headers["Server-Timing"])
            self.assertIsNotNone(found, response.headers["Server-Timing"])
            if status == 200:  # a rendered page takes a measurable time
                self.assertGreater(float(found[1]), 0, url)
