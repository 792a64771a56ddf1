"""A board to search, built once per test class through the services: the world
(tests/world.py) plus posts that each test picks out by a made-up word, and something of every
kind a reader may not see (a private forum, held and deleted posts and threads, a "Moved"
stub). Pages are read by parsing their HTML (tests/core/parsed.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_forum
from parley.moderation.actions import services as actions
from parley.permissions import registry
from parley.permissions.services import make_forum_private
from tests.core.parsed import parse
from tests.world import World, build_world, make_member, warm_permission_cache

PRIVATE_WORD = "wombatcouncil"
HELD_THREAD_WORD = "quokkafritter"
HELD_REPLY_WORD = "ocelotmemo"
DELETED_THREAD_WORD = "narwhalbrisket"
DELETED_REPLY_WORD = "pangolinledger"
MOVED_WORD = "marmotrelay"


@dataclass
class Board:
    w: World
    newcomer: Member
    desk: Forum  # a sub-forum of the news forum
    private: Forum
    private_thread: Thread
    held_thread: Thread
    held_reply: Post
    deleted_thread: Thread
    deleted_reply: Post
    moved: Thread
    posts: dict[str, Post] = field(default_factory=dict)  # by name, for the tests to pick


@override_settings(PARLEY_FLOOD_SECONDS=0, PARLEY_NEWCOMER_FLOOD_SECONDS=0)
def build_board() -> Board:
    w = build_world()
    now = timezone.now()
    newcomer = make_member("Fresh Face")
    desk = create_forum(category=w.category, title="Local desk", parent=w.news)
    private = create_forum(category=w.category, title="Cloakroom")
    staff = Group.objects.filter(name__in=[registry.MODERATORS, registry.ADMINISTRATORS])
    make_forum_private(forum=private, allowed_groups=staff)
    private_thread = services.create_thread(
        actor=w.admin, forum=private, title="Staff matters", body=f"The {PRIVATE_WORD} meets."
    )
    with override_settings(PARLEY_APPROVAL_FIRST_POSTS=1):
        held_thread = services.create_thread(
            actor=newcomer, forum=w.news, title="Newcomer asks", body=f"A {HELD_THREAD_WORD}."
        )
        held_reply = services.reply_to_thread(
            actor=newcomer, thread=w.short_thread, body=f"The {HELD_REPLY_WORD} again."
        )
    assert held_thread.awaiting_approval and held_reply.awaiting_approval
    deleted_thread = services.create_thread(
        actor=w.member, forum=w.news, title="Deleted soon", body=f"A {DELETED_THREAD_WORD}."
    )
    actions.soft_delete_thread(actor=w.moderator, thread=deleted_thread, reason="Duplicate")
    deleted_reply = services.reply_to_thread(
        actor=w.other, thread=w.short_thread, body=f"The {DELETED_REPLY_WORD} said."
    )
    services.delete_post(actor=w.moderator, post=deleted_reply, reason="Off topic")
    moved = services.create_thread(
        actor=w.other, forum=w.lounge, title=f"The {MOVED_WORD} story", body="Moving on."
    )
    actions.move_thread(actor=w.moderator, thread=moved, forum=w.news, leave_redirect=True)
    board = Board(
        w=w,
        newcomer=newcomer,
        desk=desk,
        private=private,
        private_thread=private_thread,
        held_thread=held_thread,
        held_reply=held_reply,
        deleted_thread=deleted_thread,
        deleted_reply=deleted_reply,
        moved=moved,
    )
    _add_searchable_posts(board, now)
    return board


def _thread(board: Board, name: str, *, forum: Forum, title: str, body: str, **kw: Any) -> Thread:
    thread = services.create_thread(forum=forum, title=title, body=body, **kw)
    board.posts[name] = Post.objects.get(pk=thread.first_post_id)
    return thread


def _reply(board: Board, name: str, *, thread: Thread, body: str, **kw: Any) -> Post:
    post = services.reply_to_thread(thread=thread, body=body, **kw)
    board.posts[name] = post
    return post


def _add_searchable_posts(b: Board, now: Any) -> None:
    w = b.w
    alice, bob = w.member, w.other
    # Ranking: a title match beats a body match; more mentions beat fewer.
    lighthouse = _thread(
        b,
        "lighthouse_title",
        actor=alice,
        forum=w.lounge,
        title="Lighthouse keeper retires",
        body="After forty years on the rock.",
    )
    _reply(b, "lighthouse_body", actor=bob, thread=w.long_thread, body="Saw the lighthouse today.")
    _reply(b, "kelp_once", actor=bob, thread=lighthouse, body="Kelp on the rocks, and a crab.")
    _reply(
        b,
        "kelp_thrice",
        actor=alice,
        thread=lighthouse,
        body="Kelp here, kelp there, kelp everywhere on the rocks.",
    )
    # Phrase and prefix.
    _reply(b, "amber_phrase", actor=alice, thread=lighthouse, body="An amber tide rolled in.")
    _reply(b, "amber_apart", actor=bob, thread=lighthouse, body="The tide was amber at dusk.")
    _reply(b, "cormorant", actor=bob, thread=lighthouse, body="One cormorant dried its wings.")
    _reply(b, "cormorants", actor=alice, thread=lighthouse, body="Two cormorants fished.")
    _reply(b, "cormac", actor=alice, thread=lighthouse, body="Cormac waved from the pier.")
    # Forums: the news forum's sub-forum counts as the news forum.
    _thread(b, "zephyr_news", actor=alice, forum=w.news, title="Zephyr warning", body="Gusts.")
    _thread(b, "zephyr_desk", actor=alice, forum=b.desk, title="Desk notes", body="A zephyr.")
    _thread(b, "zephyr_lounge", actor=bob, forum=w.lounge, title="Lounge chat", body="Zephyr!")
    # Members and dates.
    teapots = _thread(
        b,
        "teapot_alice",
        actor=alice,
        forum=w.lounge,
        title="Teapots",
        body="My teapot leaks.",
        now=now - timedelta(days=10),
    )
    _reply(
        b,
        "teapot_bob",
        actor=bob,
        thread=teapots,
        body="Mend the teapot.",
        now=now - timedelta(days=3),
    )
    _reply(b, "teapot_now", actor=alice, thread=teapots, body="The teapot is fixed.", now=now)
    # Titles only, threads only.
    gazebo = _thread(
        b, "gazebo_title", actor=alice, forum=w.lounge, title="The gazebo plan", body="Plans."
    )
    _reply(b, "gazebo_reply", actor=bob, thread=gazebo, body="A gazebo needs a roof.")
    _thread(b, "gazebo_first", actor=bob, forum=w.lounge, title="Roofs", body="Gazebo roofs.")
    # Quotes are not indexed: quoting a post does not make the quoter's post match.
    _reply(b, "walrus", actor=alice, thread=gazebo, body="The walrusquote is mine.")
    _reply(
        b,
        "walrus_quoted",
        actor=bob,
        thread=gazebo,
        body='[quote="Alice"]The walrusquote is mine.[/quote]\nI disagree.',
    )
    # Diacritics and punctuation split alike on both engines.
    _reply(b, "cafe", actor=alice, thread=gazebo, body="Coffee at the Café Ümlaut, see example.org")


class SearchTestCase(TestCase):
    board: Board

    @classmethod
    def setUpTestData(cls) -> None:
        cls.board = build_board()

    def setUp(self) -> None:
        self.guest = Client()
        warm_permission_cache(self.guest)

    def client_for(self, member: Member) -> Client:
        client = Client()
        client.force_login(member)
        warm_permission_cache(client)
        return client

    def search(self, client: Client | None = None, **params: Any) -> Page:
        response = (client or self.guest).get("/search/", params)
        self.assertEqual(response.status_code, 200)
        return Page(response.content.decode())

    def found(self, client: Client | None = None, **params: Any) -> list[int]:
        """The ids of the posts a search lists, in order."""
        return self.search(client, **params).post_ids

    def ids(self, *names: str) -> list[int]:
        return [self.board.posts[n].pk for n in names]


# --- Reading pages ---------------------------------------------------------------------------


class Page:
    def __init__(self, html: str) -> None:
        self.html = html
        self.root = parse(html)
        self.results = self.root.find_all("article", cls="search-result")

    @property
    def post_ids(self) -> list[int]:
        ids = []
        for result in self.results:
            link = result.find("a", cls="search-link")
            ids.append(int(link.attrs["href"].strip("/").split("/")[1]))
        return ids

    def marks(self) -> list[str]:
        return [m.text for r in self.results for m in r.find_all("mark")]

    @property
    def heading(self) -> str:
        section = self.root.first("section", cls="search-results")
        header = section.first("h2") if section else None
        return header.text.strip() if header else ""

    def notes(self) -> list[str]:
        return [p.text.strip() for p in self.root.find_all("p", cls="search-note")]

    def errors(self) -> list[str]:
        return [p.text.strip() for p in self.root.find_all("p", cls="field-error")]
