"""Random nested BBCode and Markdown (hypothesis): the renderer never raises, whatever the nesting,
with only a few hundred stack frames to spare; and the reply and preview pages never answer 500.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from parley.core.markup import nesting_problem, plain_text, render_post
from parley.forums.models import BODY_MAX_CHARS
from tests.core.parsed import parse
from tests.core.test_markup_nesting import stack_headroom
from tests.world import build_world

PAIRS = [
    ("[b]", "[/b]"),
    ("[i]", "[/i]"),
    ("[s]", "[/s]"),
    ("[color=red]", "[/color]"),
    ("[size=4]", "[/size]"),
    ("[font=Arial]", "[/font]"),
    ("[center]", "[/center]"),
    ("[left]", "[/left]"),
    ("[url=https://example.org/]", "[/url]"),
    ("[url]", "[/url]"),
    ("[email=a@example.org]", "[/email]"),
    ("[quote]\n", "\n[/quote]"),
    ('[quote="A, post: 1, member: 2"]', "[/quote]"),
    ("[spoiler]\n", "\n[/spoiler]"),
    ("[list][*]", "[/list]"),
    ("[code]", "[/code]"),
    ("[img]", "[/img]"),
    ("[", "](/a)"),
    ("[", "](https://bank.example)"),
    ("![", "](https://example.org/i.png)"),
    ("**", "**"),
    ("*", "*"),
    ("_", "_"),
    ("~~", "~~"),
    ("`", "`"),
    ("> ", ""),
    ("- ", ""),
    ("1. ", ""),
    ("  - ", "\n"),
    ("# ", "\n"),
    ("| ", " |\n|---|\n"),
]
ATOMS = st.sampled_from(
    ["x", "words here", " ", "\n", "\n\n", "[", "]", "(", ")", "[*]", "\\", "https://e.example/",
     "www.bank.example", "a@b.example", "&amp;", "<b>", "\u202e", "\U0001f600", "\t"]
)  # fmt: skip


ISSUE_POST = "[color=red]" * 400 + "x" + "[/color]" * 400
# Frames a reply request may use beyond the test's own: Django's middleware, view and form
# stack plus a bounded render. A renderer recursing per nesting level needs thousands.
VIEW_HEADROOM = 600


@st.composite
def nested(draw: st.DrawFn, inner: st.SearchStrategy[str]) -> str:
    """One opener/closer pair, repeated up to 400 deep around `inner`; closers may go missing."""
    opener, closer = draw(st.sampled_from(PAIRS))
    depth = draw(st.integers(1, 400))
    closed = draw(st.integers(0, depth))
    return opener * depth + draw(inner) + closer * closed


SOURCES = st.recursive(
    ATOMS,
    lambda inner: st.one_of(nested(inner), st.lists(inner, max_size=4).map("".join)),
    max_leaves=12,
).map(lambda s: s[:BODY_MAX_CHARS])

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(SOURCES)
def test_render_post_never_raises(source: str) -> None:
    with stack_headroom(400):
        html = render_post(source)
        problem = nesting_problem(source)
        plain_text(html)
    assert isinstance(html, str)
    assert problem is None or isinstance(problem, str)
    parse(html)  # well-formed enough to parse


class ViewFuzzTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world()
        cls.reply_url = f"{cls.w.short_thread.get_absolute_url()}reply"

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(SOURCES, st.booleans())
    @example(ISSUE_POST, True)
    @example(ISSUE_POST, False)
    def test_reply_and_preview_never_fail(self, source: str, preview: bool) -> None:
        # hypothesis' TestCase runs each example in its own transaction, rolled back after it.
        self.client.force_login(self.w.member)
        data = {"body": source, "client_token": "fuzz", **({"preview": "1"} if preview else {})}
        with stack_headroom(VIEW_HEADROOM):  # hypothesis itself raises the recursion limit
            response = self.client.post(self.reply_url, data)
        self.assertIn(response.status_code, (200, 302))
        if response.status_code == 200:  # a preview, or a refusal: the text comes back as typed
            box = parse(response.content).find("textarea", name="body")
            self.assertEqual(box.text.removeprefix("\n"), source.replace("\r", "\n"))
