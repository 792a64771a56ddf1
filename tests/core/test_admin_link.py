"""The header's Admin link: administrators find the administration pages from every page;
nobody else is shown it (the admin site itself still refuses them)."""

from __future__ import annotations

from django.test import TestCase

from tests.core.parsed import parse
from tests.world import build_world


class AdminLinkTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def admin_links(self) -> list[str]:
        nav = parse(self.client.get("/").content).find("nav", cls="user-nav")
        return [a.attrs["href"] for a in nav.find_all("a") if a.text.strip() == "Admin"]

    def test_administrators_see_it_and_it_opens_the_admin_site(self) -> None:
        self.client.force_login(self.w.admin)
        self.assertEqual(self.admin_links(), ["/admin/"])
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_moderators_members_and_guests_do_not(self) -> None:
        self.assertEqual(self.admin_links(), [])
        for member in (self.w.moderator, self.w.member):
            self.client.force_login(member)
            self.assertEqual(self.admin_links(), [], member.username)
