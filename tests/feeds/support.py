"""A board with something of every kind a feed must leave out, built through the services:
the world (tests/world.py), plus a private forum with a thread, a held thread, a deleted thread,
a thread moved out of the lounge with a "Moved" stub left behind, and a held and a deleted reply
in the long thread. Each hidden title or body carries one made-up word, so a leak is found
wherever it lands in a document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_forum
from parley.moderation.actions import services as actions
from parley.permissions import registry
from parley.permissions.services import make_forum_private
from tests.world import World, build_world, make_member

PRIVATE_FORUM = "wombatcouncil"
PRIVATE_TITLE = "axolotlgazette"
HELD_TITLE = "quokkafritter"
DELETED_TITLE = "narwhalbrisket"
HELD_REPLY = "ocelotmemo"
DELETED_REPLY = "pangolinledger"
HIDDEN = (PRIVATE_FORUM, PRIVATE_TITLE, HELD_TITLE, DELETED_TITLE, HELD_REPLY, DELETED_REPLY)

DC = "{http://purl.org/dc/elements/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Board:
    w: World
    private: Forum
    private_thread: Thread
    held_thread: Thread
    deleted_thread: Thread
    moved: Thread  # now in the news forum
    stub: Thread  # the "Moved" stub left in the lounge
    held_reply: Post
    deleted_reply: Post


def build_board() -> Board:
    w = build_world()
    now = timezone.now()
    newcomer = make_member("Fresh Face")
    private = create_forum(category=w.category, title=f"Cloakroom {PRIVATE_FORUM}")
    staff = Group.objects.filter(name__in=[registry.MODERATORS, registry.ADMINISTRATORS])
    make_forum_private(forum=private, allowed_groups=staff)
    private_thread = services.create_thread(
        actor=w.admin, forum=private, title=f"The {PRIVATE_TITLE}", body="Staff only.", now=now
    )
    with override_settings(PARLEY_APPROVAL_FIRST_POSTS=1):
        held_thread = services.create_thread(
            actor=newcomer, forum=w.news, title=f"The {HELD_TITLE}", body="Wait.", now=now
        )
        held_reply = services.reply_to_thread(
            actor=newcomer, thread=w.long_thread, body=f"The {HELD_REPLY}", now=now
        )
    assert held_thread.awaiting_approval and held_reply.awaiting_approval
    deleted_thread = services.create_thread(
        actor=w.member, forum=w.news, title=f"The {DELETED_TITLE}", body="Oops.", now=now
    )
    actions.soft_delete_thread(actor=w.moderator, thread=deleted_thread, reason="Duplicate")
    deleted_reply = services.reply_to_thread(
        actor=w.other, thread=w.long_thread, body=f"The {DELETED_REPLY}", now=now
    )
    services.delete_post(actor=w.moderator, post=deleted_reply, reason="Off topic")
    moved = w.short_thread
    actions.move_thread(actor=w.moderator, thread=moved, forum=w.news, leave_redirect=True)
    stub = Thread.objects.get(redirect_to=moved)
    for thread in (w.long_thread, moved):
        thread.refresh_from_db()
    return Board(
        w=w,
        private=private,
        private_thread=private_thread,
        held_thread=held_thread,
        deleted_thread=deleted_thread,
        moved=moved,
        stub=stub,
        held_reply=held_reply,
        deleted_reply=deleted_reply,
    )


def rss_channel(content: bytes) -> ET.Element:
    """The document parsed as XML (well-formed or this raises), checked for the structure RSS 2.0
    requires: `<rss version="2.0">` holding one `<channel>` with a title, link and description,
    and items each with a title or description (here always both), a link, a guid and a date."""
    root = ET.fromstring(content)  # noqa: S314 (our own output)
    assert root.tag == "rss", root.tag
    assert root.get("version") == "2.0"
    channels = root.findall("channel")
    assert len(channels) == 1
    channel = channels[0]
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel without {name}"
    for item in channel.findall("item"):
        for name in ("title", "link", "description", "guid", "pubDate"):
            assert item.find(name) is not None, f"item without {name}"
    return channel


def items(content: bytes) -> list[ET.Element]:
    return rss_channel(content).findall("item")


class BoardTestCase(TestCase):
    """The board built once per class, and a client logged in as its administrator (feeds and
    sitemaps must show the admin no more than a guest)."""

    b: Board

    @classmethod
    def setUpTestData(cls) -> None:
        cls.b = build_board()
        cls.w = cls.b.w

    def admin(self) -> Client:
        client = Client()
        client.force_login(self.w.admin)
        return client
