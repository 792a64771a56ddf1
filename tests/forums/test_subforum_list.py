"""A forum page lists the sub-forums its reader may see, with their last posts, and none it may
not; the list comes from the forum tree cached with the permissions, so a forum with none asks
no query for them, and a sub-forum created or made private shows on the next request."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import Client, TestCase

from parley.forums import services
from parley.forums.services.structure import create_forum
from parley.permissions import registry
from parley.permissions.services import make_forum_private
from tests.core.parsed import parse
from tests.world import build_world


class SubforumListTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.desk = create_forum(category=cls.w.category, title="Local desk", parent=cls.w.news)
        cls.story = services.create_thread(
            actor=cls.w.member, forum=cls.desk, title="Harbour reopens", body="Boats again."
        )
        cls.embargo = create_forum(category=cls.w.category, title="Embargo", parent=cls.w.news)
        staff = Group.objects.filter(name__in=[registry.MODERATORS, registry.ADMINISTRATORS])
        make_forum_private(forum=cls.embargo, allowed_groups=staff)

    def listed(self, client: Client, url: str) -> list[tuple[str, str]]:
        """(sub-forum title, its last post's thread title) in the page's Sub-forums block."""
        page = parse(client.get(url).content)
        blocks = [
            s
            for s in page.find_all("section")
            if s.first("h2", cls="block-header")
            and s.first("h2", cls="block-header").text.strip() == "Sub-forums"
        ]
        if not blocks:
            return []
        rows = blocks[0].find_all("div", cls="node-row")
        return [
            (
                row.one("h3").text.strip(),
                " ".join(a.text.strip() for a in row.find_all("a", cls="last-post-title")),
            )
            for row in rows
        ]

    def test_a_guest_sees_the_public_sub_forum_only(self) -> None:
        listed = self.listed(Client(), self.w.news.get_absolute_url())
        self.assertEqual(listed, [("Local desk", "Harbour reopens")])

    def test_a_moderator_also_sees_the_private_one(self) -> None:
        client = Client()
        client.force_login(self.w.moderator)
        titles = [t for t, _ in self.listed(client, self.w.news.get_absolute_url())]
        self.assertEqual(titles, ["Local desk", "Embargo"])

    def test_a_forum_without_sub_forums_lists_none(self) -> None:
        self.assertEqual(self.listed(Client(), self.w.lounge.get_absolute_url()), [])

    def test_a_new_sub_forum_and_a_privacy_change_show_on_the_next_request(self) -> None:
        guest = Client()
        lounge = self.w.lounge.get_absolute_url()
        self.assertEqual(self.listed(guest, lounge), [])  # the tree is cached now
        corner = create_forum(category=self.w.category, title="Quiet corner", parent=self.w.lounge)
        self.assertEqual(self.listed(guest, lounge), [("Quiet corner", "")])
        staff = Group.objects.filter(name=registry.ADMINISTRATORS)
        make_forum_private(forum=corner, allowed_groups=staff)
        self.assertEqual(self.listed(guest, lounge), [])
