"""The tables the guardian reads (`permissions/grants.py`): how a forum's ancestors are walked
(bounded against a corrupt tree), what a set of groups is granted and titled, the guests' group,
and a member's facts (the forums they moderate include sub-forums)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase

from parley.accounts.models import Member
from parley.core import stamps
from parley.forums.models import Forum
from parley.forums.services.structure import create_category, create_forum
from parley.permissions import grants, registry
from parley.permissions.grants import Grants, _chain
from parley.permissions.guardian import perms_for
from parley.permissions.services import (
    add_forum_moderator,
    ensure_system_groups,
    save_group,
    save_group_profile,
    set_permission,
)
from tests.world import make_member


def stamp() -> int:
    return stamps.value(stamps.read_all(), stamps.PERMS)


class ChainTests(TestCase):
    def test_nearest_first_then_stops_at_the_root(self) -> None:
        parents = {1: None, 2: 1, 3: 2}
        self.assertEqual(_chain(3, parents), [3, 2, 1])
        self.assertEqual(_chain(1, parents), [1])

    def test_a_cycle_or_a_very_deep_tree_ends(self) -> None:
        self.assertEqual(_chain(1, {1: 2, 2: 1}), [1, 2])
        deep = {n: n - 1 for n in range(1, 100)} | {0: None}
        self.assertEqual(_chain(99, deep), list(range(99, 67, -1)))  # 32 levels


class GrantsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        category = create_category(title="Desk")
        cls.top = create_forum(category=category, title="Top")
        cls.sub = create_forum(category=category, title="Sub", parent=cls.top)
        cls.subsub = create_forum(category=category, title="Subsub", parent=cls.sub)
        cls.other = create_forum(category=category, title="Other")
        cls.a = save_group(group=Group(name="A"))
        cls.b = save_group(group=Group(name="B"))
        save_group_profile(group=cls.a, user_title="Ay", display_priority=5, edit_window_minutes=10)
        save_group_profile(
            group=cls.b, user_title="Bee", display_priority=9, edit_window_minutes=30
        )

    def table(self, *groups: Group) -> Grants:
        return grants._compute(frozenset(g.pk for g in groups))

    def test_the_nearest_entry_of_each_group_wins_and_never_beats_allow(self) -> None:
        set_permission(group=self.a, permission=registry.VIEW_FORUM, value=registry.ALLOW)
        set_permission(group=self.a, permission=registry.REPLY, value=registry.ALLOW)
        set_permission(group=self.a, permission=registry.REPLY, value=registry.DENY, forum=self.sub)
        set_permission(
            group=self.a, permission=registry.REPLY, value=registry.ALLOW, forum=self.subsub
        )
        a = self.table(self.a)
        self.assertEqual(
            [a.has(registry.REPLY, f.pk) for f in (self.top, self.sub, self.subsub, self.other)],
            [True, False, True, True],
        )
        self.assertEqual(
            a.forums_with(registry.REPLY), {self.top.pk, self.subsub.pk, self.other.pk}
        )
        set_permission(group=self.b, permission=registry.VIEW_FORUM, value=registry.ALLOW)
        set_permission(
            group=self.b, permission=registry.REPLY, value=registry.NEVER, forum=self.top
        )
        both = self.table(self.a, self.b)
        self.assertEqual(
            [both.has(registry.REPLY, f.pk) for f in (self.top, self.sub, self.subsub)],
            [False, False, False],
        )
        self.assertTrue(both.has(registry.REPLY, self.other.pk))

    def test_a_forum_inside_a_hidden_one_grants_nothing(self) -> None:
        for permission in (registry.VIEW_FORUM, registry.READ_THREADS, registry.REPLY):
            set_permission(group=self.a, permission=permission, value=registry.ALLOW)
        set_permission(
            group=self.a, permission=registry.VIEW_FORUM, value=registry.DENY, forum=self.sub
        )
        set_permission(
            group=self.a, permission=registry.VIEW_FORUM, value=registry.ALLOW, forum=self.subsub
        )
        a = self.table(self.a)
        self.assertEqual(a.by_forum[self.sub.pk], frozenset())
        self.assertEqual(a.by_forum[self.subsub.pk], frozenset())
        self.assertEqual(
            a.by_forum[self.top.pk],
            {registry.VIEW_FORUM, registry.READ_THREADS, registry.REPLY},
        )

    def test_title_window_and_names_of_a_set_of_groups(self) -> None:
        both = self.table(self.a, self.b)
        self.assertEqual(
            (both.title, both.edit_window_minutes, both.group_names), ("Bee", 30, {"A", "B"})
        )
        a = self.table(self.a)
        self.assertEqual((a.title, a.edit_window_minutes), ("Ay", 10))
        save_group_profile(
            group=self.b, user_title="Bee", display_priority=1, edit_window_minutes=0
        )
        both = self.table(self.a, self.b)
        self.assertEqual((both.title, both.edit_window_minutes), ("Ay", 0))  # no limit wins
        nobody = self.table()
        self.assertEqual(
            (nobody.title, nobody.edit_window_minutes, nobody.group_names), ("", 0, frozenset())
        )
        self.assertEqual(
            set(nobody.parents), {self.top.pk, self.sub.pk, self.subsub.pk, self.other.pk}
        )
        self.assertEqual(nobody.parents[self.sub.pk], self.top.pk)

    def test_the_guests_group_and_a_board_without_one(self) -> None:
        guests = Group.objects.get(name=registry.GUESTS)
        self.assertEqual(grants.guests_group_id(stamp()), guests.pk)
        guests.delete()
        grants.bump_version()
        self.assertIsNone(grants.guests_group_id(stamp()))
        self.assertFalse(perms_for(None).has(registry.VIEW_FORUM, self.top.pk))

    def test_member_facts_moderated_forums_include_sub_forums(self) -> None:
        mod, plain = make_member("Desk Minder"), make_member("Plain")
        add_forum_moderator(member=mod, forum=self.sub)
        facts = grants.member_facts(mod.pk, stamp())
        self.assertEqual(facts.moderated_forum_ids, {self.sub.pk, self.subsub.pk})
        self.assertEqual(facts.group_ids, set(mod.groups.values_list("pk", flat=True)))
        self.assertEqual(grants.member_facts(plain.pk, stamp()).moderated_forum_ids, frozenset())
        self.assertIsNone(grants.member_facts(plain.pk, stamp()).ban)

    def test_an_administrator_is_asked_only_whether_the_forum_exists(self) -> None:
        admin = perms_for(make_member("Root", is_superuser=True, is_staff=True))
        self.assertTrue(admin.has(registry.MODERATE, self.subsub.pk))
        self.assertFalse(admin.has(registry.MODERATE, 10**9))
        self.assertEqual(
            admin.forums_with(registry.MODERATE),
            set(Forum.objects.values_list("pk", flat=True)),
        )


class LastSeenTests(TestCase):
    def test_an_invisible_member_is_seen_by_themselves_and_moderators(self) -> None:
        ensure_system_groups()
        forum = create_forum(category=create_category(title="C"), title="F")
        shy, nosy, fay = (
            make_member("Shy"),
            make_member("Nosy"),
            make_member("Fay"),
        )
        add_forum_moderator(member=fay, forum=forum)
        Member.objects.filter(pk=shy.pk).update(is_invisible=True)
        shy.refresh_from_db()
        open_ = make_member("Open")
        self.assertEqual(
            [
                perms_for(nosy).can_see_last_seen(shy),
                perms_for(None).can_see_last_seen(shy),
                perms_for(shy).can_see_last_seen(shy),
                perms_for(fay).can_see_last_seen(shy),
                perms_for(None).can_see_last_seen(open_),
            ],
            [False, False, True, True, True],
        )
