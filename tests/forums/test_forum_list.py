"""A forum's thread list: every row a reader is shown stays reachable, and "Moved" stubs never
show the title of a thread moved where the reader may not go."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

from django.contrib.auth.models import Group
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.forums import services
from parley.forums.models import Forum
from parley.forums.services.structure import create_forum
from parley.moderation.actions.services import move_threads
from parley.permissions import registry
from parley.permissions.services import make_forum_private
from tests.world import build_world

PER_PAGE = 5


class _Listing(HTMLParser):
    """Thread titles (the rows' title links) and links to other pages of the list."""

    def __init__(self) -> None:
        super().__init__()
        self.titles: list[str] = []
        self.page_links: set[str] = set()
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            found = dict(attrs)
            href = found.get("href") or ""
            if "/page-" in href:
                self.page_links.add(href.rstrip("/").rsplit("/", 1)[-1])
            self._href = href if "thread-link" in (found.get("class") or "").split() else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href and data.strip():
            self.titles.append(data.strip())


def listing(client: Client, url: str) -> tuple[int, _Listing]:
    response = client.get(url)
    parser = _Listing()
    if response.status_code == 200:
        parser.feed(response.content.decode())
    return response.status_code, parser


@override_settings(THREADS_PER_PAGE=PER_PAGE)
class ForumListTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.desk = create_forum(category=cls.w.category, title="News desk")
        cls.vault = create_forum(category=cls.w.category, title="The vault")
        make_forum_private(
            forum=cls.vault,
            allowed_groups=Group.objects.filter(name__in=[registry.ADMINISTRATORS]),
        )
        start = timezone.now() - timedelta(days=1)
        cls.threads = [
            services.create_thread(
                actor=cls.w.member,
                forum=cls.desk,
                title=f"Desk story {i}",
                body="Words",
                now=start + timedelta(minutes=i),
            )
            for i in range(PER_PAGE + 2)
        ]
        # The two newest leave "Moved" stubs: one to a public forum, one into the vault.
        move_threads(
            actor=cls.w.admin, threads=[cls.threads[-1]], forum=cls.w.lounge, leave_redirect=True
        )
        move_threads(
            actor=cls.w.admin, threads=[cls.threads[-2]], forum=cls.vault, leave_redirect=True
        )

    def test_counts_and_rows_differ_yet_the_oldest_thread_is_reachable(self) -> None:
        desk = Forum.objects.get(pk=self.desk.pk)
        self.assertEqual(desk.thread_count, PER_PAGE)  # stubs are listed, never counted
        self.client.force_login(self.w.admin)  # sees both stubs: PER_PAGE + 2 rows
        status, first = listing(self.client, desk.get_absolute_url())
        self.assertEqual(status, 200)
        self.assertEqual(len(first.titles), PER_PAGE)
        self.assertIn("page-2", first.page_links)
        status, second = listing(self.client, f"{desk.get_absolute_url()}page-2")
        self.assertEqual(status, 200)
        self.assertEqual(second.titles, ["Desk story 1", "Desk story 0"])  # newest first
        past = self.client.get(f"{desk.get_absolute_url()}page-3")
        self.assertRedirects(past, f"{desk.get_absolute_url()}page-2")

    def test_a_guest_sees_no_stub_of_a_thread_moved_into_a_private_forum(self) -> None:
        guest = Client()
        url = Forum.objects.get(pk=self.desk.pk).get_absolute_url()
        titles = listing(guest, url)[1].titles + listing(guest, f"{url}page-2")[1].titles
        self.assertIn(f"Desk story {PER_PAGE + 1}", titles)  # moved to the public lounge
        self.assertNotIn(f"Desk story {PER_PAGE}", titles)  # moved into the vault
        self.assertIn("Desk story 0", titles)

    def test_the_administrator_sees_both_stubs(self) -> None:
        self.client.force_login(self.w.admin)
        url = Forum.objects.get(pk=self.desk.pk).get_absolute_url()
        titles = listing(self.client, url)[1].titles
        self.assertIn(f"Desk story {PER_PAGE}", titles)
        self.assertIn(f"Desk story {PER_PAGE + 1}", titles)
