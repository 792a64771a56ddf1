"""The writes to groups, memberships, entries and forum moderators (`permissions/services.py`),
asked directly: what each stores, what it refuses and with which message, and that each one
retires the cached permission tables (the stamp moves inside its transaction)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import TestCase

from parley.accounts.models import Member
from parley.core import stamps
from parley.forums.services.structure import create_category, create_forum
from parley.permissions import registry
from parley.permissions import services as perm_services
from parley.permissions.models import ForumModerator, GroupProfile, PermissionEntry
from tests.world import make_member


def stamp() -> int:
    return stamps.value(stamps.read_all(), stamps.PERMS)


def entries(group: Group, forum_id: int | None = None) -> dict[str, str]:
    rows = PermissionEntry.objects.filter(group=group, forum_id=forum_id)
    return dict(rows.values_list("permission", "value"))


def new_group(name: str, title: str, priority: int) -> Group:
    group = perm_services.save_group(group=Group(name=name))
    perm_services.save_group_profile(
        group=group, user_title=title, display_priority=priority, edit_window_minutes=0
    )
    return group


class GroupServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        perm_services.ensure_system_groups()
        cls.forum = create_forum(category=create_category(title="Desk"), title="Newsroom")
        cls.alice = make_member("Alice")
        cls.bob = make_member("Bob")
        cls.editors = new_group("Editors", "Editor", 30)
        cls.writers = new_group("Writers", "Writer", 30)  # same priority, later id

    def refetch(self, member: Member) -> Member:
        return Member.objects.get(pk=member.pk)

    def assert_bumps(self, change: Callable[[], object]) -> object:
        before = stamp()
        result = change()
        self.assertGreater(stamp(), before, "the permission stamp did not move")
        return result

    # --- Memberships and titles -----------------------------------------------------------------

    def test_the_top_group_titles_the_member_and_ties_go_to_the_older_group(self) -> None:
        registered = perm_services.group_named(registry.REGISTERED)
        self.assert_bumps(
            lambda: perm_services.set_member_groups(
                member=self.alice, groups=[self.writers, registered, self.editors]
            )
        )
        alice = self.refetch(self.alice)
        self.assertEqual(alice.group_title, "Editor")
        self.assertEqual(
            set(alice.groups.values_list("name", flat=True)), {"Registered", "Editors", "Writers"}
        )
        perm_services.set_member_groups(member=self.alice, groups=[registered])
        self.assertEqual(self.refetch(self.alice).group_title, "Member")
        perm_services.set_member_groups(member=self.alice, groups=[])
        self.assertEqual(self.refetch(self.alice).group_title, "")

    def test_staff_follows_the_groups(self) -> None:
        for name, staff in [
            (registry.MODERATORS, True),
            (registry.ADMINISTRATORS, True),
            (registry.REGISTERED, False),
            ("Editors", False),
        ]:
            perm_services.set_member_groups(
                member=self.bob, groups=[perm_services.group_named(name)]
            )
            self.assertEqual((name, self.refetch(self.bob).is_staff), (name, staff))
        root = make_member("Root", is_superuser=True, is_staff=True)
        perm_services.set_member_groups(member=root, groups=[])
        self.assertTrue(self.refetch(root).is_staff)

    def test_adding_a_group_keeps_the_others(self) -> None:
        perm_services.add_member_to_group(member=self.alice, name="Editors")
        self.assertEqual(
            set(self.refetch(self.alice).groups.values_list("name", flat=True)),
            {"Registered", "Editors"},
        )

    def test_joining_puts_superusers_in_administrators_and_staff_in_moderators(self) -> None:
        admin = make_member("Chief", is_superuser=True, is_staff=True)
        staff = make_member("Desk Mod", is_staff=True)
        groups = {
            m.username: set(m.groups.values_list("name", flat=True))
            for m in (admin, staff, self.alice)
        }
        self.assertEqual(
            groups,
            {
                "Chief": {"Registered", "Administrators"},
                "Desk Mod": {"Registered", "Moderators"},
                "Alice": {"Registered"},
            },
        )

    def test_joining_a_board_without_built_in_groups_makes_them(self) -> None:
        Group.objects.filter(name__in=[n for n, *_ in registry.SYSTEM_GROUPS]).delete()
        carol = make_member("Carol")
        self.assertEqual(list(carol.groups.values_list("name", flat=True)), ["Registered"])
        self.assertEqual(self.refetch(carol).group_title, "Member")

    def test_refreshing_titles_for_some_or_all_members(self) -> None:
        Member.objects.update(group_title="stale")
        self.assertEqual(perm_services.refresh_member_titles(member_ids=[self.alice.pk]), 1)
        self.assertEqual(
            (self.refetch(self.alice).group_title, self.refetch(self.bob).group_title),
            ("Member", "stale"),
        )
        loner = make_member("Loner")
        loner.groups.clear()
        count = perm_services.refresh_member_titles()
        self.assertEqual(count, Member.objects.count())
        self.assertEqual(
            [self.refetch(m).group_title for m in (self.alice, self.bob, loner)],
            ["Member", "Member", ""],
        )

    # --- Built-in groups ------------------------------------------------------------------------

    def test_missing_built_in_groups_come_back_with_profile_and_entries(self) -> None:
        Group.objects.filter(name=registry.MODERATORS).delete()
        guests = perm_services.group_named(registry.GUESTS)
        PermissionEntry.objects.filter(group=guests, permission=registry.READ_THREADS).delete()
        self.assert_bumps(perm_services.ensure_system_groups)
        moderators = perm_services.group_named(registry.MODERATORS)
        profile = moderators.profile
        self.assertEqual(
            (profile.user_title, profile.display_priority, profile.is_system),
            ("Moderator", 50, True),
        )
        self.assertEqual(
            entries(moderators),
            {p: registry.ALLOW for p in registry.SYSTEM_GROUPS[2][3]},
        )
        # An existing group's entries are the administrator's: not put back.
        self.assertEqual(entries(guests), {registry.VIEW_FORUM: registry.ALLOW})
        self.assertEqual(Group.objects.filter(name=registry.GUESTS).count(), 1)

    def test_a_built_in_group_is_known_by_its_profile(self) -> None:
        self.assertEqual(
            [
                perm_services.is_system_group(perm_services.group_named(n))
                for n in ("Registered", "Administrators", "Editors")
            ],
            [True, True, False],
        )

    # --- Saving and deleting groups -------------------------------------------------------------

    def test_a_built_in_group_keeps_its_name(self) -> None:
        registered = perm_services.group_named(registry.REGISTERED)
        registered.name = "Everyone"
        with self.assertRaises(ValidationError) as refused:
            perm_services.save_group(group=registered)
        self.assertEqual(
            (refused.exception.messages, refused.exception.code),
            (["Registered is a built-in group; it keeps its name."], "system_group"),
        )
        self.assertTrue(Group.objects.filter(name="Registered").exists())
        # Saved unchanged, it is fine.
        perm_services.save_group(group=perm_services.group_named(registry.REGISTERED))

    def test_other_groups_are_renamed_and_created(self) -> None:
        self.editors.name = "Sub-editors"
        self.assert_bumps(lambda: perm_services.save_group(group=self.editors))
        self.assertEqual(Group.objects.get(pk=self.editors.pk).name, "Sub-editors")
        made = self.assert_bumps(lambda: perm_services.save_group(group=Group(name="Interns")))
        self.assertIsNotNone(made.pk)

    def test_a_group_profile_is_stored_and_retitles_its_members(self) -> None:
        perm_services.add_member_to_group(member=self.alice, name="Writers")
        perm_services.add_member_to_group(member=self.bob, name="Editors")
        self.assert_bumps(
            lambda: perm_services.save_group_profile(
                group=self.writers,
                user_title="  Staff writer  ",
                display_priority=40,
                edit_window_minutes=15,
            )
        )
        profile = GroupProfile.objects.get(group=self.writers)
        self.assertEqual(
            (profile.user_title, profile.display_priority, profile.edit_window_minutes),
            ("Staff writer", 40, 15),
        )
        self.assertEqual(
            (self.refetch(self.alice).group_title, self.refetch(self.bob).group_title),
            ("Staff writer", "Editor"),
        )

    def test_deleting_groups_retitles_members_and_removes_entries(self) -> None:
        perm_services.add_member_to_group(member=self.alice, name="Editors")
        perm_services.set_permission(
            group=self.editors, permission=registry.MODERATE, value=registry.ALLOW
        )
        self.assertEqual(self.refetch(self.alice).group_title, "Editor")
        gone = self.assert_bumps(
            lambda: perm_services.delete_groups(groups=[self.editors, self.writers])
        )
        self.assertEqual(gone, 2)
        self.assertFalse(Group.objects.filter(name__in=["Editors", "Writers"]).exists())
        self.assertFalse(PermissionEntry.objects.filter(group_id=self.editors.pk).exists())
        self.assertEqual(self.refetch(self.alice).group_title, "Member")

    def test_built_in_groups_are_never_deleted(self) -> None:
        names = [registry.REGISTERED, registry.ADMINISTRATORS]
        with self.assertRaises(ValidationError) as refused:
            perm_services.delete_groups(
                groups=[self.editors, *Group.objects.filter(name__in=names)]
            )
        self.assertEqual(
            (refused.exception.messages, refused.exception.code),
            (["Built-in groups cannot be deleted: Administrators, Registered."], "system_group"),
        )
        self.assertEqual(Group.objects.filter(name__in=[*names, "Editors"]).count(), 3)

    # --- Entries --------------------------------------------------------------------------------

    def test_setting_changing_and_clearing_an_entry(self) -> None:
        forum = self.forum
        self.assert_bumps(
            lambda: perm_services.set_permission(
                group=self.editors, permission=registry.MODERATE, value=registry.ALLOW, forum=forum
            )
        )
        perm_services.set_permission(
            group=self.editors, permission=registry.MODERATE, value=registry.NEVER, forum=forum
        )
        self.assertEqual(entries(self.editors, forum.pk), {registry.MODERATE: registry.NEVER})
        self.assertEqual(entries(self.editors), {})
        self.assert_bumps(
            lambda: perm_services.set_permission(
                group=self.editors, permission=registry.MODERATE, value=None, forum=forum
            )
        )
        self.assertEqual(entries(self.editors, forum.pk), {})

    def test_unknown_permissions_and_values_are_refused(self) -> None:
        for permission, value, message in [
            ("fly", registry.ALLOW, "Unknown permission 'fly'"),
            (registry.REPLY, "maybe", "Unknown value 'maybe'"),
        ]:
            with self.assertRaises(ValueError) as refused:
                perm_services.set_permission(group=self.editors, permission=permission, value=value)
            self.assertEqual(str(refused.exception), message)
        self.assertEqual(entries(self.editors), {})

    def test_a_private_forum_denies_every_other_group(self) -> None:
        perm_services.make_forum_private(forum=self.forum, allowed_groups=[self.editors])
        both = {registry.VIEW_FORUM, registry.READ_THREADS}
        by_group = {
            g.name: entries(g, self.forum.pk)
            for g in Group.objects.filter(name__in=["Editors", "Registered", "Guests"])
        }
        self.assertEqual(
            by_group,
            {
                "Editors": dict.fromkeys(both, registry.ALLOW),
                "Registered": dict.fromkeys(both, registry.DENY),
                "Guests": dict.fromkeys(both, registry.DENY),
            },
        )

    # --- Forum moderators -----------------------------------------------------------------------

    def test_adding_and_removing_forum_moderators(self) -> None:
        first = self.assert_bumps(
            lambda: perm_services.add_forum_moderator(member=self.alice, forum=self.forum)
        )
        again = perm_services.add_forum_moderator(member=self.alice, forum=self.forum)
        self.assertEqual(first.pk, again.pk)
        self.assert_bumps(
            lambda: perm_services.remove_forum_moderator(member=self.alice, forum=self.forum)
        )
        self.assertFalse(ForumModerator.objects.exists())
        rows = [
            perm_services.add_forum_moderator(member=m, forum=self.forum)
            for m in (self.alice, self.bob)
        ]
        self.assertEqual(
            self.assert_bumps(lambda: perm_services.remove_forum_moderators(moderators=rows)), 2
        )
        self.assertFalse(ForumModerator.objects.exists())

    def test_tree_and_other_changes_retire_the_tables(self) -> None:
        self.assert_bumps(perm_services.forum_tree_changed)
        self.assert_bumps(perm_services.permissions_changed)


class WritesTouchOnlyTheirRowsTests(TestCase):
    """A removal or a cleared entry takes exactly its own row: not another member's, group's
    or forum's."""

    @classmethod
    def setUpTestData(cls) -> None:
        perm_services.ensure_system_groups()
        category = create_category(title="Desk")
        cls.news = create_forum(category=category, title="News")
        cls.sport = create_forum(category=category, title="Sport")
        cls.alice, cls.bob = make_member("Alice"), make_member("Bob")
        cls.a = perm_services.save_group(group=Group(name="A"))
        cls.b = perm_services.save_group(group=Group(name="B"))

    def test_removing_one_forum_moderator_keeps_the_others(self) -> None:
        for member, forum in [
            (self.alice, self.news),
            (self.alice, self.sport),
            (self.bob, self.news),
        ]:
            perm_services.add_forum_moderator(member=member, forum=forum)
        perm_services.remove_forum_moderator(member=self.alice, forum=self.news)
        left = set(ForumModerator.objects.values_list("member__username", "forum__title"))
        self.assertEqual(left, {("Alice", "Sport"), ("Bob", "News")})

    def test_clearing_an_entry_keeps_other_groups_and_levels(self) -> None:
        for group in (self.a, self.b):
            for forum in (None, self.news):
                perm_services.set_permission(
                    group=group, permission=registry.REPLY, value=registry.ALLOW, forum=forum
                )
        perm_services.set_permission(
            group=self.a, permission=registry.REPLY, value=None, forum=self.news
        )
        left = {
            (e.group.name, e.forum.title if e.forum else "global")
            for e in PermissionEntry.objects.select_related("group", "forum").filter(
                group__in=[self.a, self.b]
            )
        }
        self.assertEqual(left, {("A", "global"), ("B", "global"), ("B", "News")})

    def test_an_entry_describes_itself(self) -> None:
        perm_services.set_permission(group=self.a, permission=registry.REPLY, value=registry.NEVER)
        perm_services.set_permission(
            group=self.a, permission=registry.REPLY, value=registry.ALLOW, forum=self.news
        )
        texts = sorted(str(e) for e in PermissionEntry.objects.filter(group=self.a))
        self.assertEqual(
            texts,
            [
                f"{self.a.pk}: reply=allow (forum {self.news.pk})",
                f"{self.a.pk}: reply=never (global)",
            ],
        )


class BanLookupHookTests(TestCase):
    def test_the_provided_lookup_is_what_the_guardian_asks(self) -> None:
        from parley.permissions import grants
        from parley.permissions.guardian import perms_for

        perm_services.ensure_system_groups()
        member = make_member("Carol")
        before = grants._ban_lookup
        try:
            grants.provide_ban_lookup(lambda member_id: grants.BanFacts("Testing hooks", None))
            grants.bump_version()
            self.assertEqual(perms_for(member).ban, grants.BanFacts("Testing hooks", None))
        finally:
            grants.provide_ban_lookup(before)
        grants.bump_version()
        self.assertIsNone(perms_for(member).ban)
