"""The move and merge forms as a moderator reads them: the merge target starts on the oldest
ticked thread (as XenForo's does) and says why, and each checkbox sits inside its own label, on
one line with its words (tests/browser/test_inline_moderation.py measures the line)."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase

from parley.forums import services
from parley.forums.models import Thread
from tests.core.parsed import Node, parse
from tests.world import build_world


def _checked_target(page: Node) -> int:
    checked = [
        r for r in page.find_all("input", type="radio", name="target") if "checked" in r.attrs
    ]
    assert len(checked) == 1, checked
    return int(checked[0].attrs["value"])


class MergeFormTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        # Started before the others but created last: the oldest by date, not by id.
        cls.oldest = services.create_thread(
            actor=cls.w.other,
            forum=cls.w.lounge,
            title="Tea, first asked",
            body="Which tea?",
            now=cls.w.short_thread.created_at - timedelta(days=3),
        )
        cls.url = f"{cls.w.lounge.get_absolute_url()}moderate/threads"
        cls.ids = [cls.w.short_thread.pk, cls.w.locked_thread.pk, cls.oldest.pk]

    def setUp(self) -> None:
        self.client.force_login(self.w.moderator)

    def test_the_oldest_thread_is_the_preselected_target_and_the_page_says_so(self) -> None:
        page = parse(self.client.post(self.url, {"action": "merge", "ids": self.ids}).content)
        self.assertEqual(_checked_target(page), self.oldest.pk)
        fieldset = page.find("fieldset")
        self.assertEqual(fieldset.find("legend").text, "Merge into")
        self.assertEqual(len(fieldset.find_all("input", type="radio")), 3)
        self.assertIn("The oldest thread is chosen for you", fieldset.find(cls="help").text)
        labels = [label.text.strip() for label in fieldset.find_all("label")]
        self.assertIn("Tea, first asked (by Bob)", labels)

    def test_merging_as_preselected_keeps_the_oldest_thread(self) -> None:
        page = parse(self.client.post(self.url, {"action": "merge", "ids": self.ids}).content)
        target = _checked_target(page)
        data = {"action": "merge", "ids": self.ids, "confirm": "1", "target": target}
        response = self.client.post(self.url, data)
        self.assertEqual(response["Location"], self.oldest.get_absolute_url())
        self.assertEqual(
            list(Thread.objects.filter(pk__in=self.ids).values_list("pk", flat=True)),
            [self.oldest.pk],
        )

    def test_checkboxes_sit_inside_their_labels(self) -> None:
        merge = parse(self.client.post(self.url, {"action": "merge", "ids": self.ids}).content)
        move = parse(
            self.client.get(f"{self.w.short_thread.get_absolute_url()}moderate/move").content
        )
        for page, name, words in [
            (merge, "leave_redirects", "Leave redirects where the other threads were"),
            (move, "leave_redirect", "Leave a redirect in the old forum"),
        ]:
            with self.subTest(name):
                field = page.find("div", cls="field-check")
                label = field.find("label")
                box = label.find("input", type="checkbox")
                self.assertEqual(box.attrs["name"], name)
                self.assertEqual(label.attrs["for"], box.attrs["id"])
                self.assertEqual(label.text.strip(), words)
