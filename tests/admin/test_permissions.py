"""Groups, their entries and profiles, and forum moderators changed in the admin go through
`permissions.services`: the permission stamp moves in the same transaction, so a member's
permissions change on their very next request, the changelist's bulk delete included. Built-in
groups keep their names and cannot be deleted."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase

from parley.accounts.models import Member
from parley.permissions import grants
from parley.permissions.models import ForumModerator
from parley.permissions.registry import NEVER, READ_THREADS, REGISTERED, REPORT, VIEW_FORUM
from parley.permissions.services import (
    add_forum_moderator,
    add_member_to_group,
    make_forum_private,
    save_group,
)
from tests.admin.support import bulk_delete, form_data, submit, tables_cached_as_committed
from tests.core.parsed import parse
from tests.world import build_world


class AdminPermissionChangesTests(TestCase):
    """The lounge is private to one custom group; Alice sees it through that group or as its
    forum moderator, and loses it on her next request once the admin takes that away."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.insiders = save_group(group=Group(name="Insiders"))
        make_forum_private(forum=cls.w.lounge, allowed_groups=[cls.insiders])

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.alice = self.client_class()
        self.alice.force_login(self.w.member)
        self.lounge = self.w.lounge.get_absolute_url()

    def alice_sees_the_lounge(self) -> bool:
        status = self.alice.get(self.lounge).status_code
        self.assertIn(status, (200, 404))
        return status == 200

    def alice_sees_it_then_cache_her_tables(self) -> None:
        tables_cached_as_committed()
        self.assertTrue(self.alice_sees_the_lounge())  # her table is cached under this stamp
        self.assertTrue(self.alice_sees_the_lounge())

    def test_bulk_deleting_groups_reaches_the_members_next_request(self) -> None:
        add_member_to_group(member=self.w.member, name="Insiders")
        self.alice_sees_it_then_cache_her_tables()
        before = grants.version()
        response = bulk_delete(self.client, "/admin/auth/group/", [self.insiders.pk])
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Group.objects.filter(pk=self.insiders.pk).exists())
        self.assertGreater(grants.version(), before)
        self.assertFalse(self.alice_sees_the_lounge())

    def test_deleting_one_group_reaches_the_members_next_request(self) -> None:
        add_member_to_group(member=self.w.member, name="Insiders")
        self.alice_sees_it_then_cache_her_tables()
        url = f"/admin/auth/group/{self.insiders.pk}/delete/"
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        self.assertFalse(self.alice_sees_the_lounge())

    def test_bulk_deleting_forum_moderators_reaches_the_members_next_request(self) -> None:
        add_forum_moderator(member=self.w.member, forum=self.w.lounge)
        add_forum_moderator(member=self.w.other, forum=self.w.news)
        self.alice_sees_it_then_cache_her_tables()
        before = grants.version()
        rows = list(ForumModerator.objects.values_list("pk", flat=True))
        response = bulk_delete(self.client, "/admin/permissions/forummoderator/", rows)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(ForumModerator.objects.exists())
        self.assertGreater(grants.version(), before)
        self.assertFalse(self.alice_sees_the_lounge())

    def test_a_forum_moderator_added_and_deleted_one_at_a_time(self) -> None:
        tables_cached_as_committed()
        self.assertFalse(self.alice_sees_the_lounge())
        response = self.client.post(
            "/admin/permissions/forummoderator/add/",
            {"member": self.w.member.pk, "forum": self.w.lounge.pk, "_save": "Save"},
        )
        self.assertEqual(response.status_code, 302)
        row = ForumModerator.objects.get(member=self.w.member)
        self.assertTrue(self.alice_sees_the_lounge())
        tables_cached_as_committed()
        self.assertTrue(self.alice_sees_the_lounge())
        url = f"/admin/permissions/forummoderator/{row.pk}/delete/"
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 302)
        self.assertFalse(self.alice_sees_the_lounge())

    def test_save_and_continue_opens_the_new_moderator_row(self) -> None:
        from django.contrib.admin.models import LogEntry

        response = self.client.post(
            "/admin/permissions/forummoderator/add/",
            {"member": self.w.member.pk, "forum": self.w.lounge.pk, "_continue": "1"},
        )
        row = ForumModerator.objects.get(member=self.w.member)
        self.assertRedirects(response, f"/admin/permissions/forummoderator/{row.pk}/change/")
        entry = LogEntry.objects.latest("pk")
        self.assertEqual((entry.object_id, entry.is_addition()), (str(row.pk), True))

    def test_a_moderator_row_is_not_edited_in_place(self) -> None:
        row = add_forum_moderator(member=self.w.member, forum=self.w.lounge)
        page = self.client.get(f"/admin/permissions/forummoderator/{row.pk}/change/")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('name="forum"', page.content.decode())

    def test_a_permission_entry_added_in_the_group_form_reaches_the_next_request(self) -> None:
        registered = Group.objects.get(name=REGISTERED)
        url = f"/admin/auth/group/{registered.pk}/change/"
        news = self.w.news.get_absolute_url()
        tables_cached_as_committed()
        self.assertEqual(self.alice.get(news).status_code, 200)
        form = self.client.get(url).context["inline_admin_formsets"][1].formset
        extra = f"permission_entries-{form.initial_form_count()}"
        response = submit(
            self.client,
            url,
            {
                f"{extra}-forum": str(self.w.news.pk),
                f"{extra}-permission": VIEW_FORUM,
                f"{extra}-value": NEVER,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(registered.permission_entries.filter(forum=self.w.news).count(), 1)
        self.assertEqual(self.alice.get(news).status_code, 404)

    def test_a_group_title_edited_retitles_its_members(self) -> None:
        registered = Group.objects.get(name=REGISTERED)
        response = submit(
            self.client,
            f"/admin/auth/group/{registered.pk}/change/",
            {"profile-0-user_title": "Regular"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Member.objects.get(pk=self.w.other.pk).group_title, "Regular")

    def test_a_group_added_with_a_profile_and_an_entry_grants_at_once(self) -> None:
        tables_cached_as_committed()
        self.assertFalse(self.alice_sees_the_lounge())
        response = submit(
            self.client,
            "/admin/auth/group/add/",
            {
                "name": "Lounge regulars",
                "profile-0-user_title": "Regular",
                "profile-0-display_priority": "20",
                "profile-0-edit_window_minutes": "0",
                "permission_entries-0-forum": str(self.w.lounge.pk),
                "permission_entries-0-permission": VIEW_FORUM,
                "permission_entries-0-value": "allow",
                "permission_entries-1-forum": str(self.w.lounge.pk),
                "permission_entries-1-permission": READ_THREADS,
                "permission_entries-1-value": "allow",
                "permission_entries-TOTAL_FORMS": "2",
            },
        )
        self.assertEqual(response.status_code, 302)
        group = Group.objects.get(name="Lounge regulars")
        self.assertEqual(group.profile.user_title, "Regular")
        self.assertEqual(group.permission_entries.count(), 2)
        self.assertFalse(self.alice_sees_the_lounge())  # not hers yet
        member = submit(
            self.client,
            f"/admin/accounts/member/{self.w.member.pk}/change/",
            {"groups": [str(g.pk) for g in [*self.w.member.groups.all(), group]]},
        )
        self.assertEqual(member.status_code, 302)
        self.assertTrue(self.alice_sees_the_lounge())
        self.assertEqual(Member.objects.get(pk=self.w.member.pk).group_title, "Regular")

    def test_built_in_groups_keep_their_names_and_cannot_be_deleted(self) -> None:
        registered = Group.objects.get(name=REGISTERED)
        url = f"/admin/auth/group/{registered.pk}/change/"
        self.assertEqual(submit(self.client, url, {"name": "Renamed"}).status_code, 302)
        registered.refresh_from_db()
        self.assertEqual(registered.name, REGISTERED)
        delete = f"/admin/auth/group/{registered.pk}/delete/"
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        response = bulk_delete(self.client, "/admin/auth/group/", [registered.pk])
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Group.objects.filter(pk=registered.pk).exists())


class AdminPermissionEntryEditsTests(TestCase):
    """Editing the entries of a group in its admin form: a changed value, a row moved to another
    forum or permission (its old key is cleared, not left behind), a deleted row, and a key one
    row gives up while another row takes it."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.insiders = save_group(group=Group(name="Insiders"))
        make_forum_private(forum=cls.w.lounge, allowed_groups=[cls.insiders])

    def setUp(self) -> None:
        self.client.force_login(self.w.admin)
        self.url = f"/admin/auth/group/{self.insiders.pk}/change/"

    def row(self, permission: str) -> str:
        """The inline row prefix of the Insiders entry for this permission on the lounge."""
        entry = self.insiders.permission_entries.get(forum=self.w.lounge, permission=permission)
        data = form_data(self.client.get(self.url).content.decode())
        (prefix,) = [
            name.removesuffix("-id")
            for name, value in data.items()
            if name.startswith("permission_entries-")
            and name.endswith("-id")
            and value == str(entry.pk)
        ]
        return prefix

    def entries(self) -> set[tuple[str, str, str]]:
        return {
            (e.forum.title, e.permission, e.value)
            for e in self.insiders.permission_entries.select_related("forum")
        }

    def test_changing_a_value(self) -> None:
        row = self.row(VIEW_FORUM)
        response = submit(self.client, self.url, {f"{row}-value": NEVER})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.entries(),
            {("The lounge", VIEW_FORUM, NEVER), ("The lounge", READ_THREADS, "allow")},
        )

    def test_moving_a_row_to_another_forum_clears_its_old_key(self) -> None:
        row = self.row(VIEW_FORUM)
        response = submit(self.client, self.url, {f"{row}-forum": str(self.w.news.pk)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.entries(),
            {("Breaking news", VIEW_FORUM, "allow"), ("The lounge", READ_THREADS, "allow")},
        )

    def test_deleting_a_row(self) -> None:
        row = self.row(READ_THREADS)
        response = submit(self.client, self.url, {f"{row}-DELETE": "on"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.entries(), {("The lounge", VIEW_FORUM, "allow")})

    def test_a_key_given_up_by_one_row_and_taken_by_a_new_one(self) -> None:
        row = self.row(VIEW_FORUM)
        form = self.client.get(self.url).context["inline_admin_formsets"][1].formset
        extra = f"permission_entries-{form.initial_form_count()}"
        response = submit(
            self.client,
            self.url,
            {
                f"{row}-permission": REPORT,
                f"{extra}-forum": str(self.w.lounge.pk),
                f"{extra}-permission": VIEW_FORUM,
                f"{extra}-value": NEVER,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.entries(),
            {
                ("The lounge", REPORT, "allow"),
                ("The lounge", VIEW_FORUM, NEVER),
                ("The lounge", READ_THREADS, "allow"),
            },
        )


class OfferedPermissionsTests(TestCase):
    def test_the_group_form_offers_only_permissions_something_checks(self) -> None:
        w = build_world()
        self.client.force_login(w.admin)
        registered = Group.objects.get(name=REGISTERED)
        page = parse(self.client.get(f"/admin/auth/group/{registered.pk}/change/").content)
        select = page.find("select", name="permission_entries-0-permission")
        offered = {option.text.strip() for option in select.find_all("option")} - {"---------"}
        self.assertNotIn("React to posts", offered)  # back with reactions themselves
        self.assertIn("Report posts", offered)
        self.assertFalse(registered.permission_entries.filter(permission="react").exists())
