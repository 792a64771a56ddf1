"""Long threads: small page links under the title in thread lists ("1 2 3 … 150", as XenForo
shows them), worked out from the stored last position without a query; and the "Go to page" box
on a thread page, a GET form whose ?page=N the thread sends on to page N's own URL. Whatever is
typed there lands on a real page, never an error."""

from __future__ import annotations

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from parley.forums.models import Thread
from tests.core.parsed import Node, parse
from tests.world import build_world


class PageLinksInListsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def row_pages(self, url: str, title: str) -> list[tuple[str, str | None]]:
        """(text, href) of each page link in the row of `title` ("…" with no href for a gap)."""
        page = parse(self.client.get(url).content)
        for row in page.find_all(cls="thread-row"):
            if row.find(cls="thread-link").text == title:
                found = row.find_all(cls="thread-pages")
                if not found:
                    return []
                return [
                    (node.text, node.attrs.get("href"))
                    for node in found[0].descendants()
                    if node.tag == "a" or "thread-pages-gap" in node.classes
                ]
        raise AssertionError(f"no row for {title!r}")

    def set_last_position(self, thread: Thread, position: int) -> None:
        Thread.objects.filter(pk=thread.pk).update(last_position=position)

    def test_a_three_page_thread_links_each_page(self) -> None:
        thread = self.w.long_thread  # 45 posts, 20 a page
        expected = [("1", thread.page_url(1)), ("2", thread.page_url(2)), ("3", thread.page_url(3))]
        assert self.row_pages(self.w.news.get_absolute_url(), thread.title) == expected
        assert self.row_pages("/whats-new/", thread.title) == expected

    def test_a_one_page_thread_has_no_page_links(self) -> None:
        assert self.row_pages(self.w.lounge.get_absolute_url(), "Favourite tea") == []
        self.set_last_position(self.w.short_thread, 20)  # exactly one full page
        assert self.row_pages(self.w.lounge.get_absolute_url(), "Favourite tea") == []
        self.set_last_position(self.w.short_thread, 21)
        assert [
            text for text, _ in self.row_pages(self.w.lounge.get_absolute_url(), "Favourite tea")
        ] == ["1", "2"]

    def test_a_long_thread_shows_the_first_pages_and_the_last(self) -> None:
        thread = self.w.long_thread
        self.set_last_position(thread, 3000)  # 150 pages of 20
        links = self.row_pages(self.w.news.get_absolute_url(), thread.title)
        assert links == [
            ("1", thread.page_url(1)),
            ("2", thread.page_url(2)),
            ("3", thread.page_url(3)),
            ("…", None),
            ("150", thread.page_url(150)),
        ]
        self.set_last_position(thread, 100)  # five pages: every one
        texts = [t for t, _ in self.row_pages(self.w.news.get_absolute_url(), thread.title)]
        assert texts == ["1", "2", "3", "4", "5"]

    @override_settings(POSTS_PER_PAGE=10)
    def test_the_links_follow_the_page_size(self) -> None:
        links = self.row_pages(self.w.news.get_absolute_url(), self.w.long_thread.title)
        assert [text for text, _ in links] == ["1", "2", "3", "4", "5"]  # 45 posts, 10 a page

    def test_page_links_cost_no_query(self) -> None:
        url = self.w.news.get_absolute_url()
        self.client.get(url)  # warm the permission table

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.client.get(url)
            return len(captured)

        self.set_last_position(self.w.long_thread, 1)
        one_page = queries()
        self.set_last_position(self.w.long_thread, 3000)
        assert queries() == one_page


class GoToPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def jump(self, typed: str, start: int = 1) -> str:
        thread = self.w.long_thread
        response = self.client.get(thread.page_url(start), {"page": typed})
        assert response.status_code == 302, (typed, response.status_code)
        return response["Location"]

    def test_the_box_is_a_get_form_to_the_thread(self) -> None:
        thread = self.w.long_thread
        page = parse(self.client.get(thread.page_url(2)).content)
        forms = [f for f in page.find_all("form", cls="page-jump-form")]
        assert len(forms) == 2  # above and below the posts
        form: Node = forms[0]
        assert form.attrs["method"] == "get"
        assert form.attrs["action"] == thread.get_absolute_url()
        box = form.find("input", name="page")
        assert (box.attrs["value"], box.attrs["min"], box.attrs["max"]) == ("2", "1", "3")

    def test_no_box_on_a_one_page_thread(self) -> None:
        page = parse(self.client.get(self.w.short_thread.get_absolute_url()).content)
        assert page.find_all(cls="page-jump") == []

    def test_a_page_number_goes_to_that_pages_url(self) -> None:
        thread = self.w.long_thread
        assert self.jump("2") == thread.page_url(2)
        assert self.jump(" 3 ") == thread.page_url(3)
        assert self.jump("1", start=3) == thread.get_absolute_url()
        assert self.jump("+2") == thread.page_url(2)
        assert self.jump("002") == thread.page_url(2)

    def test_hostile_input_lands_on_a_sensible_page(self) -> None:
        thread = self.w.long_thread
        last, first = thread.page_url(3), thread.get_absolute_url()
        cases = {
            "4": last,
            "9999": last,
            "2147483648": last,
            "9" * 30: last,
            "9" * 5000: last,  # longer than int() accepts
            "0": first,
            "000": first,
            "-1": first,
            "-99999999999999999999": first,
            "-0": first,
        }
        for typed, expected in cases.items():
            with self.subTest(typed=typed[:20]):
                assert self.jump(typed) == expected
        # Not a number at all: stay on the page the reader is on.
        for typed in ("", "abc", "2.5", "1e3", "٣", "²", "2 3", "0x10", "\x00", "<script>"):
            with self.subTest(typed=typed):
                assert self.jump(typed, start=2) == thread.page_url(2)

    def test_a_jump_from_a_wrong_slug_and_from_a_page_past_the_end(self) -> None:
        thread = self.w.long_thread
        response = self.client.get(f"/threads/wrong-slug.{thread.pk}/", {"page": "2"})
        assert response.status_code == 302
        assert response["Location"] == thread.page_url(2)
        response = self.client.get(f"{thread.get_absolute_url()}page-9", {"page": "x"})
        assert response["Location"] == thread.page_url(3)

    def test_a_thread_the_reader_cannot_see_stays_hidden(self) -> None:
        Thread.objects.filter(pk=self.w.long_thread.pk).update(is_deleted=True)
        response = self.client.get(self.w.long_thread.get_absolute_url(), {"page": "2"})
        assert response.status_code == 404
