"""BBCode blocks render to exactly this HTML: lists (numbered, starting elsewhere than 1, loose
items with paragraphs), quotes with every attribution form, spoilers, code, and the text around
them. Exact output, because a reader notices a list that starts at 1 instead of 3 or a reply
that slides into the quote above it. (Holes found by `make mutation TARGET=markup`.)

Plain pytest; no Django needed."""

from __future__ import annotations

import pytest

from parley.core.markup import render_post

QUOTE_BODY = '<div class="bbquote-body">\n<p>hi</p>\n</div></blockquote>\n'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # A list may start at another number; 1 is the default and is not written out.
        (
            "[list=3]\n[*]three\n[*]four\n[/list]",
            '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n',
        ),
        ("[list=2][*]two[/list]", '<ol start="2">\n<li>two</li>\n</ol>\n'),
        ("[list=1][*]one[/list]", "<ol>\n<li>one</li>\n</ol>\n"),
        # Letters and roman numerals number the list too (shown as numbers).
        ("[list=a][*]x[/list]", "<ol>\n<li>x</li>\n</ol>\n"),
        ("[list=A][*]x[/list]", "<ol>\n<li>x</li>\n</ol>\n"),
        ("[list=i][*]x[/list]", "<ol>\n<li>x</li>\n</ol>\n"),
        ("[list=I][*]x[/list]", "<ol>\n<li>x</li>\n</ol>\n"),
        ("[list=disc][*]x[/list]", "<ul>\n<li>x</li>\n</ul>\n"),
        ("[list][*]x[/list]", "<ul>\n<li>x</li>\n</ul>\n"),
        # An item with a blank line in it holds paragraphs; a one-line item does not.
        (
            "[list]\n[*]first para\n\nsecond para\n[*]tight\n[/list]",
            "<ul>\n<li>\n<p>first para</p>\n<p>second para</p>\n</li>\n<li>tight</li>\n</ul>\n",
        ),
        # Text before the first [*] is an item; XenForo's [/*] closers are dropped.
        (
            "[list]intro[*]one[/*]\n[*]two[/*][/list]",
            "<ul>\n<li>intro</li>\n<li>one</li>\n<li>two</li>\n</ul>\n",
        ),
        # A nested list's [*] belong to it, not to the outer list.
        (
            "[list][*]a[list][*]inner[/list][*]b[/list]",
            "<ul>\n<li>a\n<ul>\n<li>inner</li>\n</ul>\n</li>\n<li>b</li>\n</ul>\n",
        ),
        (
            "[list][*]a [list][*]x[/list] b[*]c[/list]",
            "<ul>\n<li>a\n<ul>\n<li>x</li>\n</ul>\nb</li>\n<li>c</li>\n</ul>\n",
        ),
        ("[list][/list]", "<ul></ul>\n"),
        ("[list]just text[/list]", "<ul>\n<li>just text</li>\n</ul>\n"),
    ],
)
def test_lists(source: str, html: str) -> None:
    assert render_post(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # Text before and after a block stays outside it, in paragraphs of its own.
        (
            "before [quote]q[/quote] after",
            '<p>before</p>\n<blockquote class="bbquote"><div class="bbquote-body">\n<p>q</p>\n'
            "</div></blockquote>\n<p>after</p>\n",
        ),
        (
            "[spoiler]s[/spoiler] after",
            '<details class="spoiler"><summary>Spoiler</summary>\n<p>s</p>\n</details>\n'
            "<p>after</p>\n",
        ),
        (
            'before [spoiler="The end"]s[/spoiler]',
            '<p>before</p>\n<details class="spoiler"><summary>Spoiler: The end</summary>\n'
            "<p>s</p>\n</details>\n",
        ),
        (
            "[code]\nx = 1\n[/code] after",
            "<pre><code>x = 1\n</code></pre>\n<p>after</p>\n",
        ),
        (
            "[code=python]x[/code]",
            '<pre><code class="language-python">x\n</code></pre>\n',
        ),
        ("[code=bad lang!]x[/code]", "<pre><code>x\n</code></pre>\n"),
        # Blocks after one another, and inside one another.
        (
            "[quote]a[/quote][spoiler]b[/spoiler]",
            '<blockquote class="bbquote"><div class="bbquote-body">\n<p>a</p>\n'
            '</div></blockquote>\n<details class="spoiler"><summary>Spoiler</summary>\n'
            "<p>b</p>\n</details>\n",
        ),
        (
            "[spoiler][quote]a[/quote] b[/spoiler] c",
            '<details class="spoiler"><summary>Spoiler</summary>\n<blockquote class="bbquote">'
            '<div class="bbquote-body">\n<p>a</p>\n</div></blockquote>\n<p>b</p>\n</details>\n'
            "<p>c</p>\n",
        ),
    ],
)
def test_blocks_and_the_text_around_them(source: str, html: str) -> None:
    assert render_post(source) == html


@pytest.mark.parametrize(
    ("source", "head"),
    [
        # XenForo: the post link and the member.
        (
            '[quote="Bob, post: 1, member: 1"]hi[/quote]',
            '<blockquote class="bbquote" data-author="Bob" data-member="1">'
            '<div class="bbquote-head"><a href="/posts/1/" rel="nofollow ugc noopener">'
            "Bob said:</a></div>",
        ),
        # Zero is no post and no member.
        (
            '[quote="Bob, post: 0, member: 0"]hi[/quote]',
            '<blockquote class="bbquote" data-author="Bob">'
            '<div class="bbquote-head">Bob said:</div>',
        ),
        # vBulletin: "name;post".
        (
            '[quote="Bob;12"]hi[/quote]',
            '<blockquote class="bbquote" data-author="Bob"><div class="bbquote-head">'
            '<a href="/posts/12/" rel="nofollow ugc noopener">Bob said:</a></div>',
        ),
        # ...but with a XenForo member, ";12" is part of the name.
        (
            '[quote="Bob;12, member: 7"]hi[/quote]',
            '<blockquote class="bbquote" data-author="Bob;12" data-member="7">'
            '<div class="bbquote-head">Bob;12 said:</div>',
        ),
        # phpBB: post_id and user_id after the name.
        (
            '[quote="Bob" post_id=5 user_id=7]hi[/quote]',
            '<blockquote class="bbquote" data-author="Bob" data-member="7">'
            '<div class="bbquote-head"><a href="/posts/5/" rel="nofollow ugc noopener">'
            "Bob said:</a></div>",
        ),
        (
            "[quote=Bob]hi[/quote]",
            '<blockquote class="bbquote" data-author="Bob">'
            '<div class="bbquote-head">Bob said:</div>',
        ),
        ('[quote="  "]hi[/quote]', '<blockquote class="bbquote">'),
    ],
)
def test_quote_attributions(source: str, head: str) -> None:
    assert render_post(source) == head + QUOTE_BODY


def test_quotes_past_three_deep_are_shown_as_omitted() -> None:
    source = "[quote=A]a[quote=B]b[quote=C]c[quote=D]d[/quote][/quote][/quote][/quote] after"
    head = '<blockquote class="bbquote" data-author="{0}"><div class="bbquote-head">{0} said:</div>'
    body = '<div class="bbquote-body">\n<p>{0}</p>\n'
    assert render_post(source) == (
        "".join(head.format(n) + body.format(n.lower()) for n in "ABC")
        + '<div class="bbquote-omitted">[…]</div>\n'
        + "</div></blockquote>\n" * 3
        + "<p>after</p>\n"
    )


def test_blocks_nested_too_deep_show_their_text_flattened() -> None:
    source = ">" * 22 + " one\n" + ">" * 22 + " two\n\nafter"
    assert render_post(source) == (
        "<blockquote>\n" * 20
        + "<p>&gt;&gt; one<br>\n&gt;&gt; two</p>\n"
        + "</blockquote>\n" * 20
        + "<p>after</p>\n"
    )
    lists = "\n".join("  " * i + f"- item {i}" for i in range(12))
    assert render_post(lists) == (
        "".join(f"<ul>\n<li>item {i}\n" for i in range(9))
        + "<ul>\n<li>item 9<br>\n- item 10<br>\n- item 11</li>\n</ul>\n"
        + "</li>\n</ul>\n" * 9
    )


def test_spoilers_and_lists_past_six_deep_stay_as_typed() -> None:
    source = "[spoiler]" * 8 + "x" + "[/spoiler]" * 8 + " after"
    assert render_post(source) == (
        '<details class="spoiler"><summary>Spoiler</summary>\n' * 6
        + "<p>[spoiler][spoiler]x[/spoiler][/spoiler]</p>\n"
        + "</details>\n" * 6
        + "<p>after</p>\n"
    )


def spoilers(depth: int, inner: str) -> str:
    return "[spoiler]" * depth + inner + "[/spoiler]" * depth


SPOILER_OPEN = '<details class="spoiler"><summary>Spoiler</summary>\n'
QUOTE_OPEN = '<blockquote class="bbquote"><div class="bbquote-body">\n'
QUOTE_CLOSE = "</div></blockquote>\n"


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # An empty item stays an empty item; every [*] starts one, however many there are.
        ("[list][*][*]b[/list]", "<ul>\n<li></li>\n<li>b</li>\n</ul>\n"),
        ("[list][*]a[*]b[*]c[/list]", "<ul>\n<li>a</li>\n<li>b</li>\n<li>c</li>\n</ul>\n"),
        # Inside a markdown list item, the closing line loses exactly the item's indent ("1. " is
        # three columns), so one more space of indent survives into the code.
        (
            "1. [code]\n   a\n    b[/code]",
            "<ol>\n<li>\n<pre><code>a\n b\n</code></pre>\n</li>\n</ol>\n",
        ),
        # A lazy closing line less indented than the item keeps all its text.
        (
            "- [quote]a\nXb[/quote]",
            f"<ul>\n<li>\n{QUOTE_OPEN}<p>a<br>\nXb</p>\n{QUOTE_CLOSE}</li>\n</ul>\n",
        ),
        # A [quote] opened in a markdown quote cannot close outside it: both tags stay text.
        (
            "> [quote]a\n\nb[/quote]",
            "<blockquote>\n<p>[quote]a</p>\n</blockquote>\n<p>b[/quote]</p>\n",
        ),
        # A [*] inside a block that starts right where the previous one ends is that block's text.
        (
            "[list][*]a[quote]x[/quote][quote]y[*]z[/quote][*]b[/list]",
            f"<ul>\n<li>a{QUOTE_OPEN}<p>x</p>\n{QUOTE_CLOSE}{QUOTE_OPEN}<p>y[*]z</p>\n{QUOTE_CLOSE}"
            "</li>\n<li>b</li>\n</ul>\n",
        ),
        # Text after a block in a one-line item stays as tight as the item: no paragraph.
        (
            "[list][*][code]c[/code] y[/list]",
            "<ul>\n<li>\n<pre><code>c\n</code></pre>\ny</li>\n</ul>\n",
        ),
        (
            "[list][*][spoiler]s[/spoiler] y[/list]",
            f"<ul>\n<li>\n{SPOILER_OPEN}<p>s</p>\n</details>\ny</li>\n</ul>\n",
        ),
        (
            "[quote][quote][quote][list][*][quote]q[/quote] y[/list][/quote][/quote][/quote]",
            QUOTE_OPEN * 3
            + '<ul>\n<li>\n<div class="bbquote-omitted">[\u2026]</div>\ny</li>\n</ul>\n'
            + QUOTE_CLOSE * 3,
        ),
    ],
)
def test_block_edges(source: str, html: str) -> None:
    assert render_post(source) == html


def test_quotes_count_their_own_depth_not_the_spoilers_around_them() -> None:
    # Two quotes inside two spoilers are two levels of quoting, well under the limit of three.
    source = spoilers(2, "[quote][quote]x[/quote][/quote]")
    html = SPOILER_OPEN * 2 + QUOTE_OPEN * 2 + "<p>x</p>\n" + QUOTE_CLOSE * 2 + "</details>\n" * 2
    assert render_post(source) == html
    source = spoilers(3, "[quote]q[/quote]")
    assert render_post(source) == SPOILER_OPEN * 3 + QUOTE_OPEN + "<p>q</p>\n" + QUOTE_CLOSE + (
        "</details>\n" * 3
    )


def test_a_quote_past_the_block_nesting_limit_is_elided() -> None:
    # Six spoilers is the most blocks nest; a quote inside the sixth becomes "[…]".
    html = SPOILER_OPEN * 6 + '<div class="bbquote-omitted">[\u2026]</div>\n' + "</details>\n" * 6
    assert render_post(spoilers(6, "[quote]q[/quote]")) == html


def test_deep_markdown_quotes_flatten_what_is_past_the_limit() -> None:
    # Eighteen markdown quotes and a list inside: the list still fits.
    source = "> " * 18 + "[list][*]x[/list]"
    html = "<blockquote>\n" * 18 + "<ul>\n<li>x</li>\n</ul>\n" + "</blockquote>\n" * 18
    assert render_post(source) == html
    # Past the limit, what is left of the block becomes one paragraph, and the next line is kept.
    source = "[list][*][quote]" + "> " * 17 + "x\ny[/quote][/list]"
    inner = "<blockquote>\n" * 17 + "<p>x</p>\n" + "</blockquote>\n" * 17 + "<p>y</p>\n"
    assert render_post(source) == f"<ul>\n<li>\n{QUOTE_OPEN}{inner}{QUOTE_CLOSE}</li>\n</ul>\n"
    # The flattened text ends with its quote: the heading after it is still a heading.
    quotes = "<blockquote>\n" * 20, "</blockquote>\n" * 20
    assert render_post("> " * 21 + "x\n# h") == f"{quotes[0]}<p>&gt; x</p>\n{quotes[1]}<h2>h</h2>\n"
    # A quote left with nothing to flatten is empty, not made-up text.
    empty = "<blockquote>\n" * 19 + "<blockquote></blockquote>\n" + "</blockquote>\n" * 19
    assert render_post("> " * 20 + "\n") == empty


def test_blocks_past_the_nesting_limit_stay_text() -> None:
    closes = "</details>\n" * 6
    # A list inside the sixth spoiler is its text.
    html = SPOILER_OPEN * 6 + "<p>[list][*]l[/list]</p>\n" + closes
    assert render_post(spoilers(6, "[list][*]l[/list]")) == html
    # A seventh spoiler stays text, and the quote after its tag is still found (and elided).
    omitted = '<div class="bbquote-omitted">[\u2026]</div>\n'
    html = SPOILER_OPEN * 6 + f"<p>[spoiler]</p>\n{omitted}<p>[/spoiler]</p>\n" + closes
    assert render_post(spoilers(7, "[quote]q[/quote]")) == html


QUOTED_Q = '<blockquote class="bbquote"><div class="bbquote-body">\n<p>q</p>\n</div></blockquote>\n'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # A style tag refused on a line (an alignment takes no argument) does not stop the
        # block tag after it on the same line.
        ("[center=x]a[/center] [quote]\nq\n[/quote]", "<p>a</p>\n" + QUOTED_Q),
        # Nor does a one-line [code] inside text, which stays inline code.
        ("x [code]c[/code] [quote]\nq\n[/quote]", "<p>x <code>c</code></p>\n" + QUOTED_Q),
    ],
)
def test_the_next_block_tag_on_a_line(source: str, html: str) -> None:
    assert render_post(source) == html


def test_style_blocks_stop_at_the_nesting_limit() -> None:
    """Six [indent] levels are blocks; deeper ones are shown as inline spans, not more blocks."""
    source = "".join(f"[indent]\nlevel {i}\n" for i in range(8)) + "core\n" + "[/indent]\n" * 8
    html = render_post(source)
    assert html.count('<div class="bb-indent') == 6
    assert html.count('<span class="bb-indent') == 2
    assert "[indent]" not in html
