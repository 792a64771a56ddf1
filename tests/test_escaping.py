"""Every string a member, moderator or administrator controls is printed inert.

Three layers are aimed at, and each vector below names the one it tests:
- **template escaping** (Django's autoescape): thread titles, prefixes, news sources, custom
  titles, usernames, report/warning/ban/rejection reasons, comments, alert texts and moderator log
  lines are written through the services holding hostile HTML, then every page and fragment that
  prints them is fetched and parsed. No element or attribute may come from the payload, and the
  payload must read literally (escaped once, not twice).
- **the source-link gate** (`forums.services.clean_source_url`): the only member-supplied URL a
  template prints as a link.
- **the sanitiser** (`core.markup.sanitise.sanitise_html`): fed hostile HTML directly, as the last
  line of defence behind the Markdown/BBCode link checks. Its URL vectors are split between those
  nh3's own scheme list also stops and those only the `href`/`src` value filters stop.

HTML is parsed (tests/core/parsed.py), never searched as a string: escaped text is not markup.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from parley.accounts.models import Member
from parley.activity.presence.backends import reset_backend
from parley.core import flusher
from parley.core.markup.sanitise import is_safe_image, is_safe_link, sanitise_html
from parley.forums import services
from parley.forums.models import Post, Thread
from parley.forums.services.structure import create_category, create_forum, create_prefix
from parley.moderation.actions import services as actions
from parley.moderation.approval import services as approval
from parley.moderation.discipline import services as discipline
from parley.moderation.models import ReportReason
from parley.moderation.reports import services as reports
from parley.permissions.services import ensure_system_groups
from tests.core.parsed import Node, parse
from tests.world import build_world, make_member


def hostile(tag: str) -> str:
    """Markup that would run script if printed raw, and break out of either attribute quote.
    `tag` names the field, so a failure says which string leaked (80 characters + 3 tags)."""
    return (
        f'<img src=x onerror=alert("{tag}")><script>alert("{tag}")</script>'
        f'"\'><svg onload=alert("{tag}")>'
    )


def short_hostile(tag: str) -> str:
    """The same for fields of 40 characters (prefix titles) or 50 (custom titles, usernames)."""
    return f"<svg onload={tag}>\"'<img src onerror={tag}>"


assert len(hostile("xxxxxx")) <= 100 and len(short_hostile("xxx")) <= 40

EVE = "Eve O'Hara"  # the only markup character a username may hold
# A valid http(s) URL whose query would close the href and open an element if printed raw.
HOSTILE_SOURCE_URL = "https://example.org/story?q=\"'><svg/onload=alert(1)>&r=<script>"
# Markup in a post body: rendered (HTML off) and sanitised at write time.
HOSTILE_BODY = (
    "<script>alert(1)</script> [url=javascript:alert(1)]link[/url] "
    "[img]javascript:alert(1)[/img] <svg onload=alert(1)>"
)

# --- What "inert" means for a page --------------------------------------------------------------

_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_SCRIPT_SCHEME = re.compile(r"(?:java|vb)script:|data:|file:")
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "srcset", "xlink:href"}
_FOREIGN_TAGS = {"svg", "math", "iframe", "object", "embed", "frame", "frameset", "base", "style"}


# The site's own inline SVG icons (sticky, locked, scroll buttons): drawing only, no behaviour.
_ICON_ATTRS = {
    "class",
    "viewbox",
    "width",
    "height",
    "fill",
    "aria-hidden",
    "role",
    "aria-label",
    "focusable",
}


def _site_icon(node: Node) -> bool:
    """An <svg> as the templates draw their icons: known attributes, only <title> and <path d>
    inside (a printed string would bring its own markup, which would not pass)."""
    inner = node.descendants()
    return (
        set(node.attrs) <= _ICON_ATTRS
        and all(child.tag in ("title", "path") for child in inner)
        and all(set(child.attrs) <= {"d"} for child in inner)
    )


def injected(root: Node) -> list[str]:
    """Elements and attributes a page would only have if some string were printed as markup.
    The site itself has no inline script, no event-handler attribute and no inline SVG beyond
    its drawn icons; its images come only from post bodies (absolute http(s) URLs)."""
    problems = []
    for node in root.descendants():
        attrs = node.attrs
        if node.tag in _FOREIGN_TAGS and not (node.tag == "svg" and _site_icon(node)):
            problems.append(f"<{node.tag}> element")
        if node.tag == "script" and (
            not attrs.get("src", "").startswith(settings.STATIC_URL) or node.text.strip()
        ):
            problems.append(f"inline <script>: {node.text[:60]!r}")
        if node.tag == "img" and not re.match(r"https?://[^/\\]", attrs.get("src", "")):
            problems.append(f"<img src={attrs.get('src')!r}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"{name}= on <{node.tag}>")
            bare = _URL_JUNK.sub("", value).lower()
            if name in _URL_ATTRS and _SCRIPT_SCHEME.match(bare):
                problems.append(f"{name}={value!r} on <{node.tag}>")
    return problems


def shown_text(root: Node) -> str:
    return " ".join(root.text.split())


# --- The board, written through the services ----------------------------------------------------


class HostileBoardTestCase(TestCase):
    """A forum whose every member-, moderator- and admin-controlled string is hostile."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = w = build_world()
        mod, admin = w.moderator, w.admin
        # Board structure (administrators' strings, through forums.services.structure).
        category = create_category(title=hostile("cat"))
        cls.forum = forum = create_forum(
            category=category, title=hostile("forum"), description=hostile("fdesc")
        )
        prefix = create_prefix(title=short_hostile("p"), colour="red")
        # Members. Usernames cannot hold markup (the username rules refuse "<"; see
        # test_username_rules_refuse_markup), but an apostrophe can close a single-quoted
        # attribute. A legacy account (named before the rules, or imported) is renamed in the
        # database to test the templates behind the rules. Custom titles have no service: the
        # admin's change form is their only editor.
        cls.eve = eve = make_member(EVE, joined_at=timezone.now() - timedelta(days=90))
        Member.objects.filter(pk=eve.pk).update(custom_title=short_hostile("ct"))
        cls.legacy = legacy = make_member("Legacy Larry")
        Member.objects.filter(pk=legacy.pk).update(username=short_hostile("u"))
        legacy.refresh_from_db()

        cls.thread = thread = services.create_thread(
            actor=eve,
            forum=forum,
            title=hostile("title"),
            prefix=prefix,
            body=HOSTILE_BODY,
            source_name=hostile("source"),
            source_url=HOSTILE_SOURCE_URL,
        )
        cls.legacy_reply = services.reply_to_thread(
            actor=legacy, thread=thread, body="A reply from the legacy account."
        )
        cls.deleted_reply = services.reply_to_thread(
            actor=legacy, thread=thread, body="A reply a moderator deletes."
        )
        services.delete_post(actor=mod, post=cls.deleted_reply, reason=hostile("delete"))
        cls.edited = services.reply_to_thread(actor=eve, thread=thread, body="First draft.")
        services.edit_post(
            actor=mod,
            post=cls.edited,
            body=f"First draft.\n\n{hostile('diff')}",
            base_edit_count=0,
            reason=hostile("edit"),
        )
        cls.last_reply = services.reply_to_thread(actor=eve, thread=thread, body=HOSTILE_BODY)

        # Reports: a reason (administrators' string, edited in the admin), a reporter's message,
        # a moderator's comment; a second report resolved with an outcome and a warning.
        rule = ReportReason.objects.create(title=hostile("rule"))
        cls.report = reports.report_post(
            actor=w.member, post=cls.edited, reason=rule, message=hostile("rmsg")
        )
        reports.comment_on_report(actor=mod, report=cls.report, body=hostile("comment"))
        cls.closed_report = reports.report_post(actor=w.member, post=cls.last_reply, reason=rule)
        reports.resolve_report(
            actor=mod,
            report=cls.closed_report,
            outcome=hostile("outcome"),
            warn_points=1,
            warn_reason=hostile("warn"),
        )

        # A moved thread leaves a "Moved" stub; a deleted thread shows its reason to moderators.
        cls.moved = services.create_thread(
            actor=eve, forum=forum, title=hostile("moved"), body="Moving on."
        )
        actions.move_thread(
            actor=mod, thread=cls.moved, forum=w.lounge, leave_redirect=True, reason="Tidy"
        )
        cls.gone = services.create_thread(
            actor=eve, forum=forum, title=hostile("gone"), body="Going away."
        )
        actions.soft_delete_thread(actor=mod, thread=cls.gone, reason=hostile("tdel"))

        # Held content (the legacy account is a newcomer): a thread, a reply, a rejected reply.
        with override_settings(PARLEY_APPROVAL_FIRST_POSTS=50):
            cls.held_thread = services.create_thread(
                actor=legacy, forum=forum, title=hostile("held"), body="Held thread."
            )
            services.reply_to_thread(actor=legacy, thread=thread, body="Held reply.")
            rejected = services.reply_to_thread(actor=legacy, thread=thread, body="Spam.")
            rejected_thread = services.create_thread(
                actor=legacy, forum=forum, title="Buy cheap watches", body="Spam thread."
            )
        assert cls.held_thread.awaiting_approval and rejected.awaiting_approval
        approval.reject_post(actor=mod, post=rejected, reason=hostile("reject"))
        # Its alert has no link (the thread is gone): the other branch of the alert template.
        approval.reject_thread(actor=mod, thread=rejected_thread, reason=hostile("trej"))

        # Last: a warned member is banned (she can still read, with the ban notice on top).
        discipline.ban_member(actor=admin, member=eve, reason=hostile("ban"))
        cls.thread = Thread.objects.get(pk=thread.pk)

    def reader(self, member: Member | None) -> Client:
        client = Client()
        if member is not None:
            client.force_login(member)
        return client

    def check_pages(self, client: Client, pages: dict[str, Iterable[str]]) -> None:
        """Fetch each page; nothing in it came from a payload, and each payload named for it
        reads literally in its text."""
        for url, expected in pages.items():
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 200, url)
                self.assertTrue(response["Content-Type"].startswith("text/html"), url)
                root = parse(response.content)
                self.assertEqual(injected(root), [], url)
                text = shown_text(root)
                missing = [tag for tag in expected if tag_text(tag) not in text]
                self.assertEqual(missing, [], f"not shown literally on {url}")


def tag_text(tag: str) -> str:
    """The literal text a payload tag stands for ("p", "ct" and "u" are the short fields)."""
    if tag == "eve":
        return EVE
    return short_hostile(tag) if tag in ("p", "ct", "u") else hostile(tag)


def record_presence(client: Client, *urls: str) -> None:
    """The reader is seen at these pages by everyone (the flusher stores database visits; Redis
    stores them as the response closes)."""
    for url in urls:
        assert client.get(url).status_code == 200, url
    flusher.run_due(1)


class PagesEscapeTests(HostileBoardTestCase):
    def setUp(self) -> None:
        reset_backend()  # presence reads the backend the settings name, from an empty start
        self.addCleanup(reset_backend)

    def test_public_pages_as_a_guest(self) -> None:
        t, forum = self.thread, self.forum
        after = t.last_position - 1
        guest, legacy = self.reader(None), self.reader(self.legacy)
        # Someone with a hostile name is seen reading the thread...
        record_presence(legacy, t.get_absolute_url())
        self.check_pages(
            guest,
            {
                "/": ["cat", "forum", "fdesc", "title", "p"],
                t.get_absolute_url(): ["cat", "forum", "title", "p", "source", "ct", "u", "eve"],
                f"{t.get_absolute_url()}new-replies?after={after}": [],
                f"{t.get_absolute_url()}new-replies?after={after - 2}&load=1": ["ct"],
                "/whats-new/": ["forum", "title", "p", "u"],
                "/whats-new/posts/": ["forum", "title", "p"],
                "/whats-new/threads/": ["forum", "title", "p"],
                "/whats-new/members/": ["u"],
                self.eve.get_absolute_url(): ["ct", "title", "forum"],
                self.legacy.get_absolute_url(): ["u", "title", "forum"],
                "/online/": ["u", "title"],
                "/online/sidebar": ["u"],
                f"/threads/{t.pk}/viewers": ["u"],
            },
        )
        # ...then the forum.
        record_presence(legacy, forum.get_absolute_url())
        self.check_pages(
            guest,
            {
                forum.get_absolute_url(): ["cat", "forum", "title", "p", "moved", "u"],
                f"/forums/{forum.pk}/viewers": ["u"],
                "/online/": ["u", "forum"],
            },
        )

    def test_the_source_link_is_the_url_as_given(self) -> None:
        root = parse(self.reader(None).get(self.thread.get_absolute_url()).content)
        (source,) = root.find_all(cls="news-source")
        (link,) = source.find_all("a")
        self.assertEqual(link.attrs["href"], HOSTILE_SOURCE_URL)
        self.assertEqual(link.text, hostile("source"))

    def test_member_pages(self) -> None:
        """The reporter: her alert carries the outcome; the reply form quotes a hostile name."""
        t = self.thread
        self.check_pages(
            self.reader(self.w.member),
            {
                "/account/alerts/": ["outcome"],
                f"{t.reply_url()}?quote={self.legacy_reply.pk}": ["title", "forum"],
                self.edited.report_url: ["title"],
            },
        )

    def test_banned_and_warned_member_pages(self) -> None:
        t = self.thread
        self.check_pages(
            self.reader(self.eve),
            {
                "/account/alerts/": ["ban", "warn"],
                "/": ["ban", "title"],
                t.get_absolute_url(): ["ban", "title", "ct"],
            },
        )

    def test_held_authors_pages(self) -> None:
        self.check_pages(
            self.reader(self.legacy),
            {
                "/account/alerts/": ["title", "reject", "trej"],
                self.held_thread.get_absolute_url(): ["held", "u"],
                self.legacy_reply.edit_url: ["title", "forum"],
                self.legacy_reply.delete_url: ["title", "forum"],
            },
        )

    def test_moderator_pages(self) -> None:
        t, mod_post = self.thread, self.edited
        self.check_pages(
            self.reader(self.w.moderator),
            {
                t.get_absolute_url(): ["title", "p", "source", "ct", "u", "delete"],
                self.gone.get_absolute_url(): ["gone", "tdel"],
                self.forum.get_absolute_url(): ["title", "p", "moved", "gone", "held"],
                "/reports/": ["title", "rule"],
                "/reports/?state=resolved": ["title", "rule"],
                f"/reports/{self.report.pk}/": ["title", "rule", "rmsg", "comment"],
                f"/reports/{self.closed_report.pk}/": ["title", "outcome"],
                "/approval-queue/": ["held", "title", "u", "forum"],
                f"/posts/{mod_post.pk}/history": ["edit", "diff"],
                f"/posts/{mod_post.pk}/moderate/edit": ["title"],
                f"/posts/{self.legacy_reply.pk}/moderate/delete": ["title", "u"],
                f"/posts/{self.legacy_reply.pk}/warn": ["title", "u"],
                f"{t.get_absolute_url()}moderate/delete": ["title"],
                f"{t.get_absolute_url()}moderate/move": ["title"],
                f"{t.get_absolute_url()}moderate/prefix": ["title"],
                f"{self.legacy.get_absolute_url()}ban": ["u"],
                f"{self.legacy.get_absolute_url()}spam-clean": ["u"],
            },
        )

    def test_moderator_log(self) -> None:
        self.check_pages(
            self.reader(self.w.admin),
            {
                "/moderation/log/": [
                    "title",
                    "u",
                    "delete",
                    "edit",
                    "warn",
                    "outcome",
                    "ban",
                    "moved",
                    "gone",
                    "tdel",
                    "reject",
                    "trej",
                ]
            },
        )

    def test_quote_text_is_plain_text(self) -> None:
        """The quote endpoint returns BBCode with the author's name: never served as HTML."""
        response = self.reader(self.w.member).get(self.legacy_reply.quote_url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("<svg onload=u>", response.content.decode())


class UsernameRulesTests(TestCase):
    def test_username_rules_refuse_markup(self) -> None:
        """Layer: the username rules (so only legacy names reach the templates with markup)."""
        ensure_system_groups()
        for name in (short_hostile("u"), "Eve<b>", 'Eve"x', "Eve&amp;"):
            with self.subTest(name=name), self.assertRaises(ValidationError):
                make_member(name)


# --- The source-link gate ------------------------------------------------------------------------


class SourceUrlTests(TestCase):
    """Layer: `services.create_thread` refuses a source link that is not an absolute http(s)
    URL, whoever calls it (the form checks too, but other callers write straight through)."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_system_groups()
        cls.member = make_member("Sourcer", joined_at=timezone.now() - timedelta(days=90))
        category = create_category(title="News")
        cls.forum = create_forum(category=category, title="Wire")

    def start(self, url: str, title: str = "Storm surge warning") -> Thread:
        return services.create_thread(
            actor=self.member,
            forum=self.forum,
            title=title,
            body="Read the source.",
            source_name="Coast Courier",
            source_url=url,
        )

    def test_script_and_scheme_less_links_are_refused_and_nothing_is_written(self) -> None:
        refused = [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "  javascript:alert(1)",
            "java\tscript:alert(1)",
            "javascript://example.org/%0Aalert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/story",
            "evil.example/story",
            "/relative/story",
            "ftp://example.org/story",
            "https://",
            "https://example.org/" + "x" * 500,
        ]
        for url in refused:
            with self.subTest(url=url):
                with self.assertRaises(ValidationError) as caught:
                    self.start(url)
                self.assertTrue(caught.exception.code.startswith("source_url"))
        self.assertFalse(Thread.objects.filter(forum=self.forum).exists())
        self.assertFalse(Post.objects.filter(author=self.member).exists())
        root = parse(Client().get(self.forum.get_absolute_url()).content)
        self.assertEqual(root.find_all("a", cls="thread-link"), [])

    def test_http_links_are_stored_and_printed_as_given(self) -> None:
        for i, url in enumerate(["https://example.org/storm?a=1&b=2", " http://example.org/x "]):
            with self.subTest(url=url):
                thread = self.start(url, title=f"Storm surge warning {i}")
                self.assertEqual(thread.source_url, url.strip())
                root = parse(Client().get(thread.get_absolute_url()).content)
                (source,) = root.find_all(cls="news-source")
                (link,) = source.find_all("a")
                self.assertEqual(link.attrs["href"], url.strip())
                self.assertEqual(link.text, "Coast Courier")

    def test_the_page_reports_a_link_the_service_refuses_and_keeps_the_text(self) -> None:
        """ftp:// passes Django's URL field; the service's rule refuses it, under the field."""
        client = Client()
        client.force_login(self.member)
        response = client.post(
            f"{self.forum.get_absolute_url()}post-thread",
            {
                "title": "Storm surge warning",
                "body": "Read the source.",
                "source_name": "Coast Courier",
                "source_url": "ftp://example.org/story",
            },
        )
        self.assertEqual(response.status_code, 200)
        root = parse(response.content)
        self.assertIn("http:// or https://", root.find(cls="field-error").text)
        self.assertEqual(root.find("textarea").text.strip(), "Read the source.")
        self.assertFalse(Thread.objects.filter(forum=self.forum).exists())


# --- The sanitiser, fed hostile HTML directly ----------------------------------------------------

SAFE_TAGS = {
    "p", "br", "strong", "em", "u", "s", "del", "a", "img", "blockquote", "div", "code",
    "pre", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "h2", "h3", "h4", "h5", "h6", "hr", "details", "summary", "span",
}  # fmt: skip
SAFE_ATTRS = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "loading", "decoding"},
    "blockquote": {"class", "data-author", "data-member"},
    "div": {"class"},
    "code": {"class"},
    "details": {"class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


def _bare_url(value: str) -> str:
    # As a browser reads it: entities decoded (the parser did), tabs, newlines, controls and
    # spaces dropped, scheme case ignored.
    return _URL_JUNK.sub("", htmllib.unescape(value)).lower()


def href_is_safe(value: str) -> bool:
    """An absolute http(s)/mailto link, or a path on this site (not "//host" or "/\\host",
    which browsers take as another host)."""
    v = _bare_url(value)
    if v.startswith(("http://", "https://", "mailto:")):
        return True
    return v.startswith("/") and not v.startswith(("//", "/\\"))


def src_is_safe(value: str) -> bool:
    """Only an absolute http(s) image with a host: a relative src would make every reader's
    browser request a page of this site with their cookies."""
    return re.fullmatch(r"https?://[^/\\].*", _bare_url(value)) is not None


def sanitiser_problems(output: str) -> list[str]:
    problems = []
    for node in parse(output).descendants():
        if node.tag not in SAFE_TAGS:
            problems.append(f"<{node.tag}>")
        for name, value in node.attrs.items():
            if name not in SAFE_ATTRS.get(node.tag, set()):
                problems.append(f"{name}= on <{node.tag}>")
            if name == "href" and not href_is_safe(value):
                problems.append(f"href={value!r}")
            if name == "src" and not src_is_safe(value):
                problems.append(f"src={value!r}")
    return problems


# Each vector names the layer that must stop it:
# - "allow-list": nh3's tag and attribute allow-list;
# - "schemes+filter": nh3's url_schemes and the href/src value filters both stop it (the filters
#   alone are checked in test_value_filters_alone_refuse_script_urls);
# - "value-filter": only the href/src value filters (is_safe_link / is_safe_image) stop it; nh3
#   keeps these, so they fail the moment the filters are removed.
ALLOW_LIST = [
    "<script>alert(1)</script>",
    "<svg onload=alert(1)><circle/></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x',
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<base href="javascript:alert(1)//"><a href="/x">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>*{background:url(javascript:alert(1))}</style>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<img src="https://ok.example/a.png" onerror="alert(1)">',
    '<img src="https://ok.example/a.png" srcset="javascript:alert(1) 1x, x 2x">',
    '<a href="https://ok.example/" style="background:url(javascript:alert(1))">x</a>',
    '<div style="behavior:url(x.htc)" class="bbquote-body evil">x</div>',
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    '<a href="https://ok.example/" target="_top" ping="https://evil.example/">x</a>',
]
SCHEMES_AND_FILTER = [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    '<a href="&#x20;&#x0B;javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="vbscript:alert(1)">',
]
VALUE_FILTER = [
    '<a href="//evil.example/login">x</a>',  # another host, looking like a path
    '<a href="/\\evil.example/login">x</a>',
    '<a href="\\\\evil.example/login">x</a>',
    '<a href="/&#x09;/evil.example/login">x</a>',  # the browser drops the tab: "//evil…"
    '<a href="/\n/evil.example/login">x</a>',
    '<a href="evil.html">x</a>',
    '<img src="/account/logout-others/">',  # a request to this site with the reader's cookies
    '<img src="//evil.example/pixel.png">',
    '<img src="http:evil.example/pixel.png">',  # no host: resolved against this site
    '<img src="https:/\\evil.example/pixel.png">',
    '<img src="mailto:someone@example.org">',
    '<img src="x" onerror="alert(1)">',
]
SANITISER_VECTORS = [
    *((html, "allow-list") for html in ALLOW_LIST),
    *((html, "schemes+filter") for html in SCHEMES_AND_FILTER),
    *((html, "value-filter") for html in VALUE_FILTER),
]


@pytest.mark.parametrize(
    ("source", "layer"),
    SANITISER_VECTORS,
    ids=[f"{layer}-{i}" for i, (_, layer) in enumerate(SANITISER_VECTORS)],
)
def test_sanitiser_output_is_inert(source: str, layer: str) -> None:
    output = sanitise_html(source)
    assert sanitiser_problems(output) == [], (layer, source, output)


def test_sanitiser_keeps_what_is_safe() -> None:
    """The checks above are not passed by dropping everything."""
    output = sanitise_html(
        '<a href="https://ok.example/a">a</a> <a href="/threads/x.1/">b</a> '
        '<a href="mailto:a@example.org">c</a> <img src="https://ok.example/a.png" alt="d">'
    )
    root = parse(output)
    hrefs = [a.attrs.get("href") for a in root.find_all("a")]
    assert hrefs == ["https://ok.example/a", "/threads/x.1/", "mailto:a@example.org"]
    assert [img.attrs.get("src") for img in root.find_all("img")] == ["https://ok.example/a.png"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        " \x01javascript:alert(1)",
        "\u200bjavascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:image/svg+xml;base64,PHN2Zz4=",
    ],
)
def test_value_filters_alone_refuse_script_urls(url: str) -> None:
    """Layer: the value filters themselves, whatever nh3's scheme list says."""
    assert not is_safe_link(url)
    assert not is_safe_image(url)


class DetectorTests(TestCase):
    """The detector itself: a printed string's markup is flagged, the site's icons are not."""

    def test_hostile_markup_is_flagged_and_the_site_icons_pass(self) -> None:
        flagged = {
            '<svg onload="alert(1)"></svg>': ["<svg> element", "onload= on <svg>"],
            '<svg viewBox="0 0 1 1"><script>alert(1)</script></svg>': [
                "<svg> element",
                "inline <script>: 'alert(1)'",
            ],
            '<svg><a href="/x"><path d="M0"/></a></svg>': ["<svg> element"],
            '<svg><path d="M0" style="x"/></svg>': ["<svg> element"],
        }
        for markup, problems in flagged.items():
            with self.subTest(markup=markup):
                self.assertEqual(injected(parse(markup)), problems)
        icon = (
            '<svg class="status-icon" viewBox="0 0 16 16" width="14" height="14" '
            'fill="currentColor" role="img" aria-label="Locked" focusable="false">'
            '<title>Locked</title><path d="M8 1z"/></svg>'
        )
        self.assertEqual(injected(parse(icon)), [])
