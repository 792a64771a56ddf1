"""The two template engines (parley/templating.py): Jinja2 partials printed from Django-language
pages with `{% jinja %}`, escaping as Django does, and what Django's language did implicitly."""

from __future__ import annotations

from django.template import Context, Template, engines
from django.test import Client, RequestFactory, SimpleTestCase, TestCase
from django.urls import set_script_prefix
from django.utils.safestring import mark_safe

from parley.core.html import format_html_fast, intcomma
from parley.core.pagination import checked_page
from parley.core.partials import render_partial
from tests.core.parsed import parse
from tests.world import build_world

HOSTILE = '<script>alert("x")</script>'


class JinjaBridgeTests(SimpleTestCase):
    def test_a_django_page_prints_a_jinja_partial_with_its_with_values(self) -> None:
        page = Template(
            '{% with prefix="/forums/news.2/" %}{% jinja "core/_pagenav.jinja" %}{% endwith %}'
        ).render(Context({"nav": checked_page(2, 5)}))
        links = [a.attrs["href"] for a in parse(page).find_all("a")]
        self.assertIn("/forums/news.2/page-3", links)
        self.assertIn("/forums/news.2/", links)  # page 1 has no "page-1"
        self.assertEqual(parse(page).one("span", cls="pagenav-label").text, "Page 2 of 5")

    def test_values_from_the_django_page_are_escaped_in_the_partial(self) -> None:
        page = Template(
            '{% with thread=t here=True %}{% jinja "core/_breadcrumbs.jinja" %}{% endwith %}'
        )
        html = page.render(Context({"t": _Titled(HOSTILE), "forum": None}))
        self.assertNotIn("<script>", html)
        self.assertEqual(parse(html).find_all("a")[-1].text, HOSTILE)

    def test_the_partial_gets_the_csrf_input_of_the_request(self) -> None:
        request = RequestFactory().get("/")
        html = Template('{% jinja "moderation/_inline_posts.jinja" %}').render(
            Context({"request": request, "mod": _Mod()})
        )
        token = parse(html).one("input", name="csrfmiddlewaretoken")
        self.assertTrue(token.attrs["value"])


class JinjaEnvironmentTests(SimpleTestCase):
    def test_safe_strings_pass_and_others_are_escaped(self) -> None:
        template = engines["jinja2"].from_string("{{ safe }}|{{ raw }}")
        html = template.render({"safe": mark_safe("<b>bold</b>"), "raw": HOSTILE})
        self.assertEqual(html.split("|")[0], "<b>bold</b>")
        self.assertNotIn("<script>", html.split("|")[1])

    def test_missing_values_print_nothing_as_in_django_templates(self) -> None:
        template = engines["jinja2"].from_string("[{{ nobody.name.first }}]")
        self.assertEqual(template.render({}), "[]")

    def test_urls_follow_the_script_prefix(self) -> None:
        template = engines["jinja2"].from_string("{{ url('whats-new') }}")
        try:
            set_script_prefix("/board/")
            self.assertEqual(template.render({}), "/board/whats-new/")
        finally:
            set_script_prefix("/")
        self.assertEqual(template.render({}), "/whats-new/")

    def test_django_filters_keep_their_meaning(self) -> None:
        template = engines["jinja2"].from_string(
            "{{ n|intcomma }} repl{{ n|pluralize('y,ies') }}; "
            "{{ one }} repl{{ one|pluralize('y,ies') }}"
        )
        self.assertEqual(template.render({"n": 12345, "one": 1}), "12,345 replies; 1 reply")

    def test_render_partial_is_safe_to_print(self) -> None:
        html = render_partial("feeds/_canonical.jinja", {"href": 'https://x.example/"a'})
        self.assertEqual(parse(html).one("link").attrs["href"], 'https://x.example/"a')
        self.assertTrue(hasattr(html, "__html__"))


class _Titled:
    def __init__(self, title: str) -> None:
        self.title = title

    def get_absolute_url(self) -> str:
        return "/threads/t.1/"


class _Mod:
    base_url = "/threads/t.1/moderate/"


class QuickFormattingTests(SimpleTestCase):
    def test_format_html_fast_escapes_each_value_and_keeps_safe_ones(self) -> None:
        html = format_html_fast('<a href="{}">{}</a>{}', '"x', HOSTILE, mark_safe("<b>b</b>"))
        link = parse(html).one("a")
        self.assertEqual(link.attrs["href"], '"x')
        self.assertEqual(link.text, HOSTILE)
        self.assertTrue(html.endswith("<b>b</b>"))

    def test_intcomma_groups_ints_like_humanize(self) -> None:
        self.assertEqual(intcomma(1234567), "1,234,567")
        self.assertEqual(intcomma(-1000), "-1,000")
        self.assertEqual(intcomma(999), "999")
        self.assertEqual(intcomma("12345"), "12,345")  # not an int: humanize's own


class LayoutBodyTests(TestCase):
    """The layout's <body> tells parley.js whose clock to print times by."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = build_world()

    def body(self, client: Client) -> dict[str, str]:
        response = client.get(self.world.long_thread.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        return parse(response.content).one("body").attrs

    def test_a_member_page_names_the_members_zone(self) -> None:
        member = self.world.member
        member.time_zone = "Europe/Paris"
        member.save(update_fields=["time_zone"])
        client = Client()
        client.force_login(member)
        body = self.body(client)
        self.assertEqual((body["data-tz"], body["data-tz-name"]), ("member", "Europe/Paris"))

    def test_a_guest_page_lets_the_browser_decide(self) -> None:
        body = self.body(Client())
        self.assertEqual(body["data-tz"], "auto")
        self.assertNotIn("data-tz-name", body)
