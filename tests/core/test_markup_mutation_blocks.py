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
