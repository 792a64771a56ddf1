"""The member admin: "staff" (may open the admin site) follows the groups and superuser status
and says so; groups go through the permissions service; what services keep is read-only; a
password set here ends the member's sessions; members are not deleted here."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase

from parley.accounts.admin import STAFF_HELP_TEXT
from parley.accounts.models import Member, MemberSession
from parley.permissions.registry import ADMINISTRATORS, MODERATORS, REGISTERED
from tests.admin.support import submit, tables_cached_as_committed
from tests.world import PASSWORD, build_world


class StaffCheckboxTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.groups = {g.name: g.pk for g in Group.objects.all()}

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.url = f"/admin/accounts/member/{self.w.member.pk}/change/"

    def member(self) -> Member:
        return Member.objects.get(pk=self.w.member.pk)

    def in_groups(self, *names: str) -> list[str]:
        return [str(self.groups[name]) for name in names]

    def test_the_box_is_disabled_and_says_how_admin_access_is_granted(self) -> None:
        page = self.client.get(self.url)
        field = page.context["adminform"].form.fields["is_staff"]
        self.assertTrue(field.disabled)
        self.assertEqual(field.help_text, STAFF_HELP_TEXT)
        self.assertContains(page, "members of the Administrators or Moderators group")

    def test_ticking_it_changes_nothing(self) -> None:
        response = submit(self.client, self.url, {"is_staff": "on"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.member().is_staff)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        member_client = self.client_class()
        member_client.force_login(self.member())
        self.assertEqual(member_client.get("/admin/").status_code, 302)  # to the login page

    def test_joining_administrators_makes_staff_and_an_administrator_leaving_undoes_it(
        self,
    ) -> None:
        alice = self.client_class()
        alice.force_login(self.w.member)
        tables_cached_as_committed()
        self.assertEqual(alice.get("/moderation/log/").status_code, 404)
        groups = self.in_groups(REGISTERED, ADMINISTRATORS)
        self.assertEqual(submit(self.client, self.url, {"groups": groups}).status_code, 302)
        member = self.member()
        self.assertTrue(member.is_staff)
        self.assertEqual(member.group_title, "Administrator")
        self.assertEqual(alice.get("/moderation/log/").status_code, 200)

        groups = self.in_groups(REGISTERED)
        self.assertEqual(submit(self.client, self.url, {"groups": groups}).status_code, 302)
        self.assertFalse(self.member().is_staff)
        self.assertEqual(alice.get("/moderation/log/").status_code, 404)

    def test_moderators_are_staff_too(self) -> None:
        groups = self.in_groups(REGISTERED, MODERATORS)
        submit(self.client, self.url, {"groups": groups})
        self.assertTrue(self.member().is_staff)

    def test_a_superuser_is_staff_whatever_their_groups(self) -> None:
        self.assertEqual(submit(self.client, self.url, {"is_superuser": "on"}).status_code, 302)
        member = self.member()
        self.assertTrue(member.is_superuser)
        self.assertTrue(member.is_staff)
        self.assertEqual(list(member.groups.values_list("name", flat=True)), [REGISTERED])

    def test_counters_are_not_written_back(self) -> None:
        count = self.member().message_count
        response = submit(self.client, self.url, {"message_count": "0", "custom_title": "Hi"})
        self.assertEqual(response.status_code, 302)
        member = self.member()
        self.assertEqual(member.message_count, count)
        self.assertEqual(member.custom_title, "Hi")


class MemberAccountTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)

    def test_a_member_added_here_starts_in_registered_like_any_other(self) -> None:
        response = self.client.post(
            "/admin/accounts/member/add/",
            {
                "username": "Carol",
                "email": "carol@example.org",
                "usable_password": "true",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "_save": "Save",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        carol = Member.objects.get(username="Carol")
        self.assertEqual(list(carol.groups.values_list("name", flat=True)), [REGISTERED])
        self.assertEqual(carol.group_title, "Member")
        self.assertFalse(carol.is_staff)
        self.assertTrue(self.client_class().login(username="Carol", password=PASSWORD))

    def test_a_password_set_here_ends_the_members_sessions(self) -> None:
        alice = self.client_class()
        self.assertTrue(alice.login(username="Alice", password=PASSWORD))
        self.assertEqual(MemberSession.objects.filter(member=self.w.member).count(), 1)
        url = f"/admin/accounts/member/{self.w.member.pk}/password/"
        new = "another-horse-battery-staple"
        response = self.client.post(
            url, {"usable_password": "true", "password1": new, "password2": new}
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(MemberSession.objects.filter(member=self.w.member).exists())
        self.assertEqual(alice.get("/account/").status_code, 302)  # logged out
        self.assertTrue(Member.objects.get(pk=self.w.member.pk).check_password(new))

    def test_members_are_not_deleted_here(self) -> None:
        url = f"/admin/accounts/member/{self.w.member.pk}/delete/"
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(Member.objects.filter(pk=self.w.member.pk).exists())
        changelist = self.client.get("/admin/accounts/member/")
        self.assertNotIn("delete_selected", changelist.content.decode())
