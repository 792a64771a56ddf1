"""The title under an author's name on their post card: their custom title, else the title of
their highest-priority group, else "Member". Read from the card itself (parsed), never from the
page at large, where words such as "Member" appear anyway ("Members: 0" in the viewers block)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.test import TestCase

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Post
from parley.permissions.models import GroupProfile
from parley.permissions.registry import REGISTERED
from parley.permissions.services import group_named, set_member_groups
from tests.multiprocess.client import Form, parse_html
from tests.world import build_world, make_member


def custom_group(name: str, title: str, priority: int) -> Group:
    group = Group.objects.create(name=name)
    GroupProfile.objects.create(group=group, user_title=title, display_priority=priority)
    return group


class MemberCardTitleTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        registered = group_named(REGISTERED)
        correspondents = custom_group("Correspondents", "Correspondent", 30)
        readers = custom_group("Readers club", "Reader", 5)
        cls.correspondent = make_member("Carla")  # Registered (10) + Correspondents (30)
        set_member_groups(member=cls.correspondent, groups=[correspondents, registered])
        cls.reader = make_member("Rudi")  # Registered (10) + Readers club (5)
        set_member_groups(member=cls.reader, groups=[registered, readers])
        cls.titled = make_member("Tess")  # a custom title beats every group's
        set_member_groups(member=cls.titled, groups=[registered, correspondents])
        Member.objects.filter(pk=cls.titled.pk).update(custom_title="Night editor")
        cls.groupless = make_member("Gus")  # no group at all: "Member"
        set_member_groups(member=cls.groupless, groups=[])
        cls.thread = cls.w.short_thread
        cls.posts = {}
        authors = [cls.w.member, cls.w.moderator, cls.w.admin, cls.correspondent, cls.reader]
        for author in [*authors, cls.titled]:
            cls.posts[author.username] = services.reply_to_thread(
                actor=author, thread=cls.thread, body=f"Words from {author.username}"
            )
        # Gus may not post without a group; his post was written before he left them all.
        cls.posts["Gus"] = Post.objects.get(pk=cls.posts["Alice"].pk)
        Post.objects.filter(pk=cls.posts["Gus"].pk).update(author=cls.groupless, author_name="Gus")

    def card_titles(self) -> dict[str, str]:
        """Author name -> the title on their post's card, for every post on the page."""
        page = parse_html(self.client.get(self.thread.get_absolute_url()).content.decode())
        titles = {}
        for article in page.find_all("article", cls="post"):
            card = article.find(cls="member-card")
            assert card is not None, "every post has an author card"
            name = card.find(cls="username").text
            title_node = card.find_all(cls="member-title")
            self.assertEqual(len(title_node), 1, name)
            titles[name] = title_node[0].text.strip()
        return titles

    def test_each_card_shows_the_authors_exact_title(self) -> None:
        self.assertEqual(
            self.card_titles(),
            {
                "Bob": "Member",  # the thread's starter: Registered only
                "Gus": "Member",  # no group
                "Mod Squad": "Moderator",  # Registered + Moderators
                "Admin": "Administrator",  # Registered + Administrators
                "Carla": "Correspondent",  # the higher-priority of her two groups
                "Rudi": "Member",  # Registered outranks the Readers club
                "Tess": "Night editor",  # custom title over her groups
            },
        )

    def test_the_profile_shows_the_same_title(self) -> None:
        for member, title in ((self.correspondent, "Correspondent"), (self.titled, "Night editor")):
            page = parse_html(self.client.get(member.get_absolute_url()).content.decode())
            self.assertEqual([n.text.strip() for n in page.find_all(cls="member-title")], [title])

    def test_joining_and_leaving_a_group_changes_the_card(self) -> None:
        set_member_groups(
            member=self.reader, groups=[group_named(REGISTERED), group_named("Moderators")]
        )
        self.assertEqual(self.card_titles()["Rudi"], "Moderator")
        set_member_groups(member=self.correspondent, groups=[group_named(REGISTERED)])
        self.assertEqual(self.card_titles()["Carla"], "Member")

    def test_a_group_retitled_in_the_admin_retitles_its_members_cards(self) -> None:
        admin = self.client_class()
        admin.force_login(self.w.admin)
        group = group_named("Correspondents")
        url = f"/admin/auth/group/{group.pk}/change/"
        page = parse_html(admin.get(url).content.decode())
        form = Form(page.find("form", id="group_form"), url)
        form["profile-0-user_title"] = "Senior correspondent"
        response = admin.post(url, form.values)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.card_titles()["Carla"], "Senior correspondent")
        # A lower priority than Registered's: Carla's Registered title takes over.
        form["profile-0-display_priority"] = "1"
        self.assertEqual(admin.post(url, form.values).status_code, 302)
        self.assertEqual(self.card_titles()["Carla"], "Member")

    def test_a_group_deleted_in_the_admin_leaves_its_members_the_next_title(self) -> None:
        admin = self.client_class()
        admin.force_login(self.w.admin)
        moderators = custom_group("Night desk", "Moderator", 50)  # built-in groups stay
        set_member_groups(member=self.reader, groups=[group_named(REGISTERED), moderators])
        self.assertEqual(self.card_titles()["Rudi"], "Moderator")
        correspondents = group_named("Correspondents")
        response = admin.post(f"/admin/auth/group/{correspondents.pk}/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 302)
        # The bulk "delete selected" action too.
        response = admin.post(
            "/admin/auth/group/",
            {"action": "delete_selected", "_selected_action": [moderators.pk], "post": "yes"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Group.objects.filter(name__in=["Correspondents", "Night desk"]).exists())
        titles = self.card_titles()
        self.assertEqual(
            (titles["Carla"], titles["Rudi"], titles["Tess"]), ("Member", "Member", "Night editor")
        )
