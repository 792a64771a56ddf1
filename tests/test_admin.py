"""Django's admin (staff only) manages forums, groups and their permissions, members, prefixes
and report reasons; every page opens, and members who are not staff are kept out."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase

from tests.world import build_world

PAGES = [
    "/admin/forums/forum/",
    "/admin/forums/category/",
    "/admin/forums/prefix/",
    "/admin/forums/thread/",
    "/admin/auth/group/",
    "/admin/accounts/member/",
    "/admin/permissions/forummoderator/",
    "/admin/moderation/reportreason/",
    "/admin/moderation/report/",
]


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def test_every_page_opens_for_the_administrator(self) -> None:
        self.client.force_login(self.w.admin)
        registered = Group.objects.get(name="Registered")
        for url in [
            *PAGES,
            f"/admin/auth/group/{registered.pk}/change/",
            f"/admin/forums/forum/{self.w.news.pk}/change/",
            f"/admin/accounts/member/{self.w.member.pk}/change/",
        ]:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_members_are_kept_out(self) -> None:
        self.client.force_login(self.w.member)
        response = self.client.get("/admin/forums/forum/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])
