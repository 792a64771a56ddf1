"""Who a request is (member, guest, robot) and where it puts them."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, TestCase
from django.urls import resolve

from parley.accounts.models import Member
from parley.activity.presence.locations import Location, location_for
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, identify, robot_name

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36"
IP = "203.0.113.77"


def guest_request(ip: str = IP, agent: str = CHROME, session: str = ""):
    request = RequestFactory().get("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    request.user = AnonymousUser()
    if session:
        request.COOKIES["sessionid"] = session
    return request


class IdentifyTests(SimpleTestCase):
    def test_a_member_is_their_id_and_name(self) -> None:
        request = guest_request()
        request.user = Member(pk=42, username="Alice", is_invisible=True)
        v = identify(request)
        self.assertEqual(
            (v.key, v.kind, v.member_id, v.name, v.is_invisible),
            ("m:42", MEMBER, 42, "Alice", True),
        )

    def test_same_session_is_the_same_guest_wherever_they_connect_from(self) -> None:
        a = identify(guest_request(ip="198.51.100.1", session="abc123"))
        b = identify(guest_request(ip="198.51.100.2", agent="Other", session="abc123"))
        c = identify(guest_request(ip="198.51.100.1", session="zzz999"))
        self.assertEqual(a.kind, GUEST)
        self.assertEqual(a.key, b.key)
        self.assertNotEqual(a.key, c.key)

    def test_without_a_session_ip_and_user_agent_make_the_guest(self) -> None:
        a = identify(guest_request())
        self.assertEqual(a.key, identify(guest_request()).key)
        self.assertNotEqual(a.key, identify(guest_request(agent=HEADLESS)).key)
        self.assertNotEqual(a.key, identify(guest_request(ip="203.0.113.78")).key)

    def test_the_key_holds_no_ip_address(self) -> None:
        v = identify(guest_request())
        self.assertTrue(v.key.startswith("g:"))
        self.assertNotIn(IP, v.key)
        self.assertNotIn(IP.replace(".", ""), v.key)
        self.assertRegex(v.key, r"^g:[0-9a-f]{32}$")

    def test_known_crawlers_are_robots_by_name(self) -> None:
        agents = {
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": "Googlebot",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)": "Bingbot",
            "AdsBot-Google (+http://www.google.com/adsbot.html)": "Google AdsBot",
            "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)": "Yandex",
            "Mozilla/5.0 (compatible; Baiduspider/2.0)": "Baidu",
            "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)": "DuckDuckGo",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)": "Ahrefs",
            "Mozilla/5.0 (compatible; SemrushBot/7~bl)": "Semrush",
            "facebookexternalhit/1.1": "Facebook",
            "Twitterbot/1.0": "Twitter",
            "Mozilla/5.0 (compatible; GPTBot/1.1; +https://openai.com/gptbot)": "OpenAI",
            "Mozilla/5.0 (compatible; ClaudeBot/1.0; +claudebot@anthropic.com)": "Anthropic",
            "CCBot/2.0 (https://commoncrawl.org/faq/)": "Common Crawl",
            "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com)": "PetalBot",
            "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (compatible; Applebot/0.1)": "Applebot",
        }
        for agent, name in agents.items():
            with self.subTest(agent=agent):
                v = identify(guest_request(agent=agent))
                self.assertEqual((v.kind, v.name, v.key), (ROBOT, name, f"r:{name}"))

    def test_browsers_and_unknown_agents_are_guests(self) -> None:
        for agent in (CHROME, HEADLESS, "", "curl/8.5.0", "Mozilla/5.0 (iPhone) Mobile/15E148"):
            with self.subTest(agent=agent):
                self.assertIsNone(robot_name(agent))
                self.assertEqual(identify(guest_request(agent=agent)).kind, GUEST)


class LocationTests(SimpleTestCase):
    def locate(
        self,
        path: str,
        status: int = 200,
        method: str = "GET",
        content_type: str = "text/html; charset=utf-8",
        **extra: object,
    ):
        request = getattr(RequestFactory(), method.lower())(path, **extra)
        request.resolver_match = resolve(path)
        request.htmx = "HTTP_HX_REQUEST" in extra
        return location_for(request, HttpResponse(status=status, content_type=content_type))

    def test_pages_map_to_what_they_show(self) -> None:
        self.assertEqual(self.locate("/threads/some-title.12/"), Location("thread", 12))
        self.assertEqual(self.locate("/threads/some-title.12/page-3"), Location("thread", 12))
        self.assertEqual(self.locate("/forums/news.3/"), Location("forum", 3))
        self.assertEqual(self.locate("/members/alice.7/"), Location("member", 7))
        self.assertEqual(self.locate("/"), Location("index"))
        self.assertEqual(self.locate("/online/"), Location("online"))
        self.assertEqual(self.locate("/login/"), Location("login"))
        self.assertEqual(self.locate("/posts/5/edit"), Location("page"))

    def test_polls_count_only_when_they_are_about_a_thread_or_forum(self) -> None:
        htmx = {"HTTP_HX_REQUEST": "true"}
        self.assertEqual(self.locate("/threads/12/viewers", **htmx), Location("thread", 12))
        self.assertEqual(self.locate("/forums/3/viewers", **htmx), Location("forum", 3))
        self.assertIsNone(self.locate("/online/sidebar", **htmx))

    def test_writes_errors_redirects_and_non_pages_are_not_locations(self) -> None:
        self.assertIsNone(self.locate("/threads/t.12/", method="POST"))
        self.assertIsNone(self.locate("/threads/t.12/", status=404))
        self.assertIsNone(self.locate("/threads/t.12/", status=403))
        self.assertIsNone(self.locate("/posts/5/", status=302))
        self.assertIsNone(self.locate("/posts/5/quote", content_type="text/plain"))

    def test_admin_and_unresolved_requests_are_ignored(self) -> None:
        self.assertIsNone(self.locate("/admin/"))
        request = RequestFactory().get("/static/parley/parley.css")
        request.resolver_match = None
        self.assertIsNone(location_for(request, HttpResponse()))


class NoRawAddressStoredTests(TestCase):
    def test_a_guest_visit_stores_no_ip_anywhere(self) -> None:
        from parley.activity.models import Presence
        from tests.activity.presence_support import site_backend, tick

        for kind in ("db", "redis"):
            with self.subTest(backend=kind), site_backend(kind):
                self.client.get("/", REMOTE_ADDR=IP, HTTP_USER_AGENT=CHROME)
                self.client.get("/online/sidebar", REMOTE_ADDR=IP, HTTP_USER_AGENT=CHROME)
                tick()
                if kind == "db":
                    stored = [str(v) for row in Presence.objects.values() for v in row.values()]
                else:
                    from django.conf import settings

                    from parley.activity.presence.backends.redis import client_for

                    client = client_for(settings.REDIS_URL)
                    keys = list(client.scan_iter(match=f"{settings.PARLEY_PRESENCE_REDIS_PREFIX}*"))
                    stored = keys + [str(_redis_value(client, k)) for k in keys]
                self.assertTrue(stored)
                self.assertFalse([s for s in stored if IP in s])


def _redis_value(client, key: str) -> object:
    kind = client.type(key)
    if kind == "hash":
        return client.hgetall(key)
    if kind == "zset":
        return client.zrange(key, 0, -1, withscores=True)
    return client.get(key)
