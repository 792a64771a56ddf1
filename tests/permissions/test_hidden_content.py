"""Hidden content reaches no one who may not see it, through any URL the site has.

A held reply and a soft-deleted reply in a public thread, and a private forum with a thread and a
reply, are checked against every URL pattern in the URLconf, filled in with the ids of those
objects (and of the public thread, forum and the members who wrote them): GET as a guest, as an
ordinary member (the deleted reply's own author, who may not see it either) and as the held
reply's author (who may see that one reply, marked as awaiting approval). No hidden text or title
may appear in the parsed text or attributes of any response, nor in a redirect's Location.

The list is generated, as tests/test_csrf.py does, so a URL added tomorrow is covered the day it
is added: a pattern whose arguments this test cannot fill fails the test until it learns to fill
them or the pattern is listed in NOT_WALKED with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import product
from types import ModuleType

from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from parley.activity.presence.backends import reset_backend
from parley.core import flusher
from parley.core.slugs import make_slug
from parley.forums import services
from parley.forums.models import Forum, Post, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.moderation.models import ReportReason
from parley.moderation.reports import services as reports
from parley.notifications.services import send_alert
from parley.permissions import registry
from parley.permissions.services import ensure_system_groups, make_forum_private
from tests.core.parsed import parse
from tests.world import make_member

# Each hidden string carries one made-up word, so a leak is found however it is cut or
# slugified (titles reach URLs as slugs).
HELD = "quokkafritter"
DELETED = "narwhalbrisket"
DELETE_REASON = "walrusverdict"
PRIVATE_FORUM = "wombatcouncil"
PRIVATE_DESCRIPTION = "gibbonminutes"
PRIVATE_TITLE = "axolotlgazette"
PRIVATE_BODY = "pangolinledger"
PRIVATE_REPLY = "ocelotmemo"
HIDDEN = (
    HELD,
    DELETED,
    DELETE_REASON,
    PRIVATE_FORUM,
    PRIVATE_DESCRIPTION,
    PRIVATE_TITLE,
    PRIVATE_BODY,
    PRIVATE_REPLY,
)

# URL patterns not walked, each with the reason. Keys are URL names, or "namespace:" for a whole
# included URLconf.
NOT_WALKED = {
    "admin:": (
        "Django's admin: staff only (members and guests are sent to its login page, checked in "
        "test_the_admin_is_closed_to_readers); its URLs take app labels and object ids of every "
        "model, which this walk does not fill."
    ),
}

# Extra query strings a view reads (each URL is also fetched without one).
QUERIES = {
    "thread-new-replies": ["?after=0", "?after=0&load=1"],
    "thread-reply": ["?quote={held}&quote={deleted}&quote={private_first}&quote={private_reply}"],
    "online": ["?type=members"],
    "whats-new-posts": ["?unread=1"],
}


def url_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern | None]]:
    """(key, pattern) for every pattern, keyed by its (namespaced) URL name; a namespace listed
    in NOT_WALKED comes once, as ("namespace:", None)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if inner in NOT_WALKED:
                yield inner, None
                continue
            yield from url_patterns(entry, inner)
        else:
            yield f"{namespace}{entry.name or entry.pattern}", entry


@dataclass(frozen=True)
class Fill:
    value: object
    slug: str | None = None  # the object's slug in slugged URLs (cosmetic; "x" for hidden ones)


@dataclass
class Plan:
    urls: list[tuple[str, str]]  # (pattern key, path with query)
    unfilled: list[str]  # patterns neither filled nor listed


def plan(
    patterns: Sequence[tuple[str, URLPattern | None]],
    fills: dict[str, list[Fill]],
    queries: dict[str, list[str]],
) -> Plan:
    """Every concrete URL to fetch: each pattern with each combination of filled arguments."""
    urls: list[tuple[str, str]] = []
    unfilled: list[str] = []
    for key, pattern in patterns:
        if key in NOT_WALKED:
            continue
        if pattern is None or not pattern.name:
            unfilled.append(f"{key} (unnamed: give it a name or list it)")
            continue
        groups = set(pattern.pattern.regex.groupindex)
        names = sorted(groups - {"slug"})
        missing = [name for name in names if name not in fills]
        if missing:
            unfilled.append(f"{key} (cannot fill {', '.join(missing)})")
            continue
        for combo in product(*(fills[name] for name in names)):
            kwargs = {name: fill.value for name, fill in zip(names, combo, strict=True)}
            slugs = [fill.slug for fill in combo if fill.slug]
            if "slug" in groups and slugs:
                kwargs["slug"] = slugs[0]
            base = reverse(key, kwargs=kwargs)
            urls.extend((key, base + query) for query in ["", *queries.get(key, [])])
    return Plan(urls=urls, unfilled=unfilled)


def _view(request: object) -> HttpResponse:
    return HttpResponse("")


def _urlconf_with(pattern: URLPattern) -> ModuleType:
    """The site's URLconf plus one pattern, as a module for ROOT_URLCONF."""
    module = ModuleType("urlconf_with_one_more")
    module.urlpatterns = [*get_resolver().url_patterns, pattern]  # type: ignore[attr-defined]
    return module


class HiddenContentTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        now = timezone.now()
        old = now - timedelta(days=400)
        cls.admin = make_member("Head Admin", is_staff=True, is_superuser=True, joined_at=old)
        cls.moderator = make_member("Mod Squad", is_staff=True, joined_at=old)
        cls.reader = make_member("Bob", joined_at=old)
        cls.newcomer = make_member("Fresh Face")
        category = create_category(title="Town")
        cls.forum = create_forum(category=category, title="Harbour")
        cls.private = create_forum(
            category=category,
            title=f"Cloakroom {PRIVATE_FORUM}",
            description=f"Staff {PRIVATE_DESCRIPTION}",
        )
        staff = Group.objects.filter(name__in=[registry.MODERATORS, registry.ADMINISTRATORS])
        make_forum_private(forum=cls.private, allowed_groups=staff)

        start = now - timedelta(hours=2)
        cls.thread = services.create_thread(
            actor=cls.admin,
            forum=cls.forum,
            title="Tide times",
            body="High water at six.",
            now=start,
        )
        with override_settings(PARLEY_APPROVAL_FIRST_POSTS=1):
            cls.held = services.reply_to_thread(
                actor=cls.newcomer,
                thread=cls.thread,
                body=f"The {HELD} recipe",
                now=start + timedelta(minutes=1),
            )
        assert cls.held.awaiting_approval
        cls.deleted = services.reply_to_thread(
            actor=cls.reader,
            thread=cls.thread,
            body=f"The {DELETED} rumour",
            now=start + timedelta(minutes=2),
        )
        reason = ReportReason.objects.create(title="Off topic")
        cls.deleted_report = reports.report_post(actor=cls.admin, post=cls.deleted, reason=reason)
        services.delete_post(
            actor=cls.moderator, post=cls.deleted, reason=f"Gossip ({DELETE_REASON})"
        )
        services.reply_to_thread(
            actor=cls.admin,
            thread=cls.thread,
            body="Low water at noon.",
            now=start + timedelta(minutes=3),
        )

        cls.private_thread = services.create_thread(
            actor=cls.moderator,
            forum=cls.private,
            title=f"The {PRIVATE_TITLE}",
            body=f"The {PRIVATE_BODY}",
            now=start + timedelta(minutes=4),
        )
        cls.private_first = Post.objects.get(pk=cls.private_thread.first_post_id)
        cls.private_reply = services.reply_to_thread(
            actor=cls.admin,
            thread=cls.private_thread,
            body=f"The {PRIVATE_REPLY}",
            now=start + timedelta(minutes=5),
        )
        cls.private_report = reports.report_post(
            actor=cls.moderator, post=cls.private_reply, reason=reason
        )
        cls.thread = Thread.objects.get(pk=cls.thread.pk)
        cls.forum = Forum.objects.get(pk=cls.forum.pk)

    def setUp(self) -> None:
        reset_backend()  # presence from the settings' backend, starting empty
        self.addCleanup(reset_backend)

    def fills(self) -> dict[str, list[Fill]]:
        """Values for each URL argument: the hidden objects (with a wrong slug, so a view that
        redirected to the canonical URL before checking would leak the title in Location), and
        the public ones they live in (with their own slug, so the page itself renders)."""
        members = (self.newcomer, self.reader, self.moderator, self.admin)
        # An administrator's alert about the private thread: nobody else may follow it.
        alert = send_alert(
            member=self.admin,
            kind="test",
            text=f"New reply in {PRIVATE_TITLE}",
            url=self.private_thread.get_absolute_url(),
        )
        return {
            "alert_id": [Fill(alert.pk)],
            "thread_id": [
                Fill(self.thread.pk, self.thread.slug),
                Fill(self.private_thread.pk, "x"),
            ],
            "forum_id": [Fill(self.forum.pk, self.forum.slug), Fill(self.private.pk, "x")],
            "post_id": [
                Fill(post.pk)
                for post in (self.held, self.deleted, self.private_first, self.private_reply)
            ],
            "member_id": [Fill(m.pk, make_slug(m.username)) for m in members],
            "report_id": [Fill(self.deleted_report.pk), Fill(self.private_report.pk)],
            "page": [Fill(1)],
            "section": [Fill("forums"), Fill("threads")],  # the sitemap's
            "token": [Fill("x")],
            "uidb64": [Fill("x")],
        }

    def queries(self) -> dict[str, list[str]]:
        ids = {
            "held": self.held.pk,
            "deleted": self.deleted.pk,
            "private_first": self.private_first.pk,
            "private_reply": self.private_reply.pk,
        }
        return {key: [q.format(**ids) for q in qs] for key, qs in QUERIES.items()}

    def staff_are_seen_in_hidden_places(self) -> None:
        """Presence: the online list must not say which hidden thread or forum staff are in."""
        for member, url in (
            (self.moderator, self.private_thread.get_absolute_url()),
            (self.admin, self.private.get_absolute_url()),
            (self.newcomer, self.thread.get_absolute_url()),
        ):
            client = Client()
            client.force_login(member)
            assert client.get(url).status_code == 200, url
        flusher.run_due(1)

    def leaks(self, client: Client, allowed: frozenset[str] = frozenset()) -> list[str]:
        """Every URL of the plan, fetched; what each showed that it should not."""
        walk = plan(list(url_patterns()), self.fills(), self.queries())
        self.assertEqual(walk.unfilled, [], "fill these URL arguments or list the patterns")
        secrets = [s for s in HIDDEN if s not in allowed]
        found = []
        for key, url in walk.urls:
            response = client.get(url)
            seen = [response.get("Location", "")]
            body = response.content.decode(errors="replace")
            if response.get("Content-Type", "").startswith("text/html"):
                root = parse(body)
                seen.append(root.text)
                seen.extend(v for node in root.descendants() for v in node.attrs.values())
            else:  # plain text or JSON is shown as it is
                seen.append(body)
            shown = " ".join(seen).lower()
            found.extend(f"{key}: {url} shows {s!r}" for s in secrets if s in shown)
        return found

    def test_guest(self) -> None:
        self.staff_are_seen_in_hidden_places()
        self.assertEqual(self.leaks(Client()), [])

    def test_member_who_wrote_the_deleted_reply(self) -> None:
        self.staff_are_seen_in_hidden_places()
        client = Client()
        client.force_login(self.reader)
        self.assertEqual(self.leaks(client), [])

    def test_author_of_the_held_reply_sees_only_that(self) -> None:
        self.staff_are_seen_in_hidden_places()
        client = Client()
        client.force_login(self.newcomer)
        self.assertEqual(self.leaks(client, allowed=frozenset({HELD})), [])
        # ...and does see it, marked as waiting (the allowance above is not a blind spot).
        root = parse(client.get(self.thread.get_absolute_url()).content)
        held = root.find("article", id=f"post-{self.held.pk}")
        self.assertIn(HELD, held.text)
        self.assertIn("awaiting moderator approval", held.find(cls="post-notice").text)

    def test_staff_see_it_all(self) -> None:
        """The hidden strings are really on the pages the walk fetches, for those allowed."""
        client = Client()
        client.force_login(self.admin)
        shown = " ".join(
            parse(client.get(url).content).text
            for url in (
                "/",
                self.thread.get_absolute_url(),
                self.private_thread.get_absolute_url(),
            )
        )
        for secret in HIDDEN:
            self.assertIn(secret, shown)

    def test_the_admin_is_closed_to_readers(self) -> None:
        member = Client()
        member.force_login(self.reader)
        for client in (Client(), member):
            response = client.get("/admin/forums/post/")
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith("/admin/login/"))

    def test_a_new_pattern_must_be_filled_or_listed(self) -> None:
        walk = plan(list(url_patterns()), self.fills(), self.queries())
        self.assertEqual(walk.unfilled, [])
        self.assertGreater(len({key for key, _ in walk.urls}), 50)
        added = path("widgets/<int:widget_id>/", _view, name="widget")
        walk = plan([*url_patterns(), ("widget", added)], self.fills(), self.queries())
        self.assertEqual(walk.unfilled, ["widget (cannot fill widget_id)"])
        # A new pattern with arguments the walk knows is simply walked.
        added = path("threads/<int:thread_id>/summary", _view, name="thread-summary")
        with override_settings(ROOT_URLCONF=_urlconf_with(added)):
            walk = plan(list(url_patterns()), self.fills(), self.queries())
        self.assertIn(f"/threads/{self.private_thread.pk}/summary", [u for _, u in walk.urls])

    def test_every_listed_pattern_exists(self) -> None:
        keys = {key for key, _ in url_patterns()}
        self.assertEqual(set(NOT_WALKED) - keys, set(), "remove stale NOT_WALKED entries")
        self.assertEqual(set(QUERIES) - keys, set(), "remove stale QUERIES entries")
