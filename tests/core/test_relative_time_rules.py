"""The server's relative times ("21 minutes ago", "Today at…", "Friday at…", the date) and the
browser's rewrite of them in parley.js follow the same limits; tests/browser/test_times.py checks
what the browser prints."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from django.test import SimpleTestCase

from parley.core.templatetags import parley as tags

SCRIPT = Path(tags.__file__).resolve().parents[1] / "static" / "parley" / "parley.js"


class RelativeTimeRulesTests(SimpleTestCase):
    def test_the_script_uses_the_servers_limits(self) -> None:
        script = SCRIPT.read_text("utf-8")
        for name in ("RELATIVE_MINUTES_LIMIT", "WEEKDAY_DAYS_LIMIT"):
            (value,) = re.findall(rf"var {name} = (\d+);", script)
            self.assertEqual(int(value), getattr(tags, name), name)

    def test_the_servers_rules(self) -> None:
        now = datetime(2026, 6, 15, 10, 0)
        cases = [
            (timedelta(seconds=59), "A moment ago"),
            (timedelta(seconds=-30), "A moment ago"),
            (timedelta(minutes=1), "1 minute ago"),
            (timedelta(minutes=59, seconds=59), "59 minutes ago"),
            (timedelta(minutes=60), "Today at 9:00 AM"),
            (timedelta(hours=10), "Today at 12:00 AM"),
            (timedelta(hours=10, minutes=1), "Yesterday at 11:59 PM"),
            (timedelta(days=2), "Saturday at 10:00 AM"),
            (timedelta(days=6), "Tuesday at 10:00 AM"),
            (timedelta(days=7), "Jun 8, 2026"),
        ]
        got = [(ago, tags.relative_text(now - ago, now)) for ago, _ in cases]
        self.assertEqual(got, cases)
