"""Posts sent at the same moment by one member, through the posting pages, each request on its
own thread and database connection (as two workers would serve them).

- A newcomer firing six posts at once with flood control on gets exactly one through; the
  others are refused with the flood message and keep their text.
- A double click (the same form sent twice at once, or one after the other) is one post, and
  both responses redirect to it.

To make the race certain rather than lucky, the first request lingers inside its transaction
(after the gate passed it, or after its post was written) while the others arrive. These run on
SQLite too, where the IMMEDIATE transaction already queues writers."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from unittest import mock

from django.db import connection
from django.test import Client, TransactionTestCase

from parley.accounts.models import Member
from parley.forums import hooks, services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services import posting
from parley.forums.services.structure import create_category, create_forum
from tests.moderation.support import gate_settings, make_newcomer
from tests.multiprocess.client import parse_html
from tests.world import make_member

LINGER_SECONDS = 0.3  # long enough for every other request to reach the database meanwhile
LATE_SECONDS = 0.5  # longer than LINGER_SECONDS: the lingering transaction has ended by then
FLOOD_MESSAGE = "Please wait a little between posts (at least 30 seconds)."


def lingering(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, then a pause while its transaction is still open."""

    def slow(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        time.sleep(LINGER_SECONDS)
        return result

    return slow


def second_one_late(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, but every call after the first starts LATE_SECONDS late: a request that looked
    for an earlier post too soon goes on to judge its own only after the first has landed."""
    calls = itertools.count()

    def late(*args: Any, **kwargs: Any) -> Any:
        if next(calls):
            time.sleep(LATE_SECONDS)
        return real(*args, **kwargs)

    return late


def all_at_once(requests: list[Callable[[], Any]]) -> list[Any]:
    """Run each request on its own thread, released together; their responses, in order."""
    start = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = requests[i]()
        except BaseException as error:  # noqa: BLE001 - reported in the main thread
            results[i] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def signed_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def form_errors(response: Any) -> list[str]:
    return [el.text for el in parse_html(response.content.decode()).find_all(cls="form-errors")]


def typed_body(response: Any) -> str:
    textarea = parse_html(response.content.decode()).find("textarea", name="body")
    return textarea.raw_text().strip("\n") if textarea is not None else ""


def client_token(response: Any) -> str:
    field = parse_html(response.content.decode()).find("input", name="client_token")
    assert field is not None, "the form carries its client token"
    return field.get("value") or ""


class Board:
    def __init__(self) -> None:
        self.author = make_member("Starter")
        self.forum = create_forum(category=create_category(title="General"), title="Chat")
        self.threads = [
            services.create_thread(
                actor=self.author, forum=self.forum, title=f"Topic {i}", body=f"Opening {i}"
            )
            for i in range(6)
        ]
        self.newbie = make_newcomer()


def reply_url(thread: Thread) -> str:
    return f"/threads/{thread.slug}.{thread.pk}/reply"


def post_thread_url(forum: Forum) -> str:
    return f"/forums/{forum.slug}.{forum.pk}/post-thread"


class FloodRaceTests(TransactionTestCase):
    def test_six_posts_at_once_from_a_newcomer_publish_exactly_one(self) -> None:
        board = Board()  # built with the gate off (test settings)
        forms = [  # replies to three threads and three new threads, each from its own tab
            *(
                (reply_url(t), {"body": f"Reply number {i}", "client_token": f"reply{i}"})
                for i, t in enumerate(board.threads[:3])
            ),
            *(
                (
                    post_thread_url(board.forum),
                    {"title": f"Mine {i}", "body": f"New thread {i}", "client_token": f"new{i}"},
                )
                for i in range(3)
            ),
        ]
        bodies = [data["body"] for _, data in forms]
        sends = [
            partial(client.post, url, data)
            for client, (url, data) in zip(
                [signed_in(board.newbie) for _ in forms], forms, strict=True
            )
        ]

        with (
            gate_settings(),
            mock.patch.object(hooks, "_posting_gate", lingering(hooks._posting_gate)),
        ):
            responses = all_at_once(sends)

        self.assertEqual([r for r in responses if isinstance(r, BaseException)], [])
        published = list(Post.objects.filter(author=board.newbie))
        self.assertEqual(len(published), 1, [p.body_source for p in published])
        self.assertEqual(sorted(r.status_code for r in responses), [200] * 5 + [302])
        refused = [r for r in responses if r.status_code == 200]
        for response in refused:
            self.assertEqual(len(form_errors(response)), 1)
            self.assertIn(FLOOD_MESSAGE, form_errors(response)[0])
        # Nothing typed is lost: each refused page gives its text back.
        self.assertEqual(
            sorted([published[0].body_source] + [typed_body(r) for r in refused]), sorted(bodies)
        )
        self.assertEqual(Member.objects.get(pk=board.newbie.pk).message_count, 1)
        self.assertEqual(
            Thread.objects.filter(author=board.newbie).count(),
            sum(1 for p in published if p.body_source.startswith("New thread")),
        )


class DoubleSubmitTests(TransactionTestCase):
    """The same form sent twice: one post, and both answers lead to it. Sent at once, the first
    request keeps its transaction open a moment after writing its post, and the second reaches
    the gate only after that: whatever the second saw earlier, it must not refuse the first
    post as a duplicate of itself, nor trip over it."""

    def setUp(self) -> None:
        self.board = Board()
        self.member = make_member("Clicker")
        self.client = signed_in(self.member)
        self.enterContext(gate_settings())  # duplicate and flood checks on, as in production

    def reply_form(self) -> dict[str, str]:
        page = self.client.get(reply_url(self.board.threads[0]))
        return {"body": "Clicked twice, meant once", "client_token": client_token(page)}

    def thread_form(self) -> dict[str, str]:
        page = self.client.get(post_thread_url(self.board.forum))
        return {"title": "Double trouble", "body": "Sent twice", "client_token": client_token(page)}

    def twice_at_once(self, url: str, data: dict[str, str]) -> list[Any]:
        """A double click: two requests with the same cookies and form, side by side."""
        again = Client()
        again.cookies = self.client.cookies
        with (
            mock.patch.object(posting, "_add_post", lingering(posting._add_post)),
            mock.patch.object(hooks, "_posting_gate", second_one_late(hooks._posting_gate)),
        ):
            return all_at_once([lambda: self.client.post(url, data), lambda: again.post(url, data)])

    def assert_both_lead_to_one(self, responses: list[Any], posts: Any) -> Post:
        errors = [r for r in responses if isinstance(r, BaseException)]
        self.assertEqual(errors, [])
        self.assertEqual([r.status_code for r in responses], [302, 302])
        self.assertEqual(posts.count(), 1)
        self.assertEqual(responses[0]["Location"], responses[1]["Location"])
        return posts.get()

    def test_a_reply_sent_twice_at_once(self) -> None:
        data = self.reply_form()
        url = reply_url(self.board.threads[0])
        responses = self.twice_at_once(url, data)
        post = self.assert_both_lead_to_one(
            responses, Post.objects.filter(author=self.member, body_source=data["body"])
        )
        self.assertEqual(responses[0]["Location"], f"/posts/{post.pk}/")

    def test_a_new_thread_sent_twice_at_once(self) -> None:
        data = self.thread_form()
        url = post_thread_url(self.board.forum)
        responses = self.twice_at_once(url, data)
        post = self.assert_both_lead_to_one(
            responses, Post.objects.filter(author=self.member, body_source=data["body"])
        )
        self.assertEqual(responses[0]["Location"], post.thread.get_absolute_url())
        self.assertEqual(Thread.objects.filter(title="Double trouble").count(), 1)

    def test_a_reply_sent_again_after_the_first_landed(self) -> None:
        data = self.reply_form()
        url = reply_url(self.board.threads[0])
        responses = [self.client.post(url, data), self.client.post(url, data)]
        post = self.assert_both_lead_to_one(
            responses, Post.objects.filter(author=self.member, body_source=data["body"])
        )
        self.assertEqual(responses[1]["Location"], f"/posts/{post.pk}/")

    def test_a_new_thread_sent_again_after_the_first_landed(self) -> None:
        data = self.thread_form()
        url = post_thread_url(self.board.forum)
        responses = [self.client.post(url, data), self.client.post(url, data)]
        post = self.assert_both_lead_to_one(
            responses, Post.objects.filter(author=self.member, body_source=data["body"])
        )
        self.assertEqual(responses[1]["Location"], post.thread.get_absolute_url())
