"""Inline markup renders to exactly this HTML: bare addresses that become links (and the ones
that must not), BBCode links, e-mail links and images, escapes, tables, code, and what the
allow-list keeps. Exact output, because a reader notices a link that swallowed the next word or
a second address left unlinked. (Holes found by `make mutation TARGET=markup`.)

Plain pytest; no Django needed."""

from __future__ import annotations

import pytest

from parley.core.markup import render_post
from parley.core.markup.sanitise import is_safe_link, sanitise_html


def a(href: str, text: str) -> str:
    return f'<a href="{href}" rel="nofollow ugc noopener">{text}</a>'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        (
            "a https://one.example b https://two.example c",
            f"<p>a {a('https://one.example', 'https://one.example')} b "
            f"{a('https://two.example', 'https://two.example')} c</p>\n",
        ),
        # A word that is not a link does not stop the next one.
        (
            "http://localhost https://a.example",
            f"<p>http://localhost {a('https://a.example', 'https://a.example')}</p>\n",
        ),
        # "_" may not appear in a host's last two labels; "-" may.
        (
            "x www.exa_mple.com y www.a_b.example.com z http://exa_mple.com",
            "<p>x www.exa_mple.com y "
            f"{a('http://www.a_b.example.com', 'www.a_b.example.com')} z http://exa_mple.com</p>\n",
        ),
        (
            "https://a.example/x://y_z https://my-site.example/ https://a.example:8080/x",
            f"<p>{a('https://a.example/x://y_z', 'https://a.example/x://y_z')} "
            f"{a('https://my-site.example/', 'https://my-site.example/')} "
            f"{a('https://a.example:8080/x', 'https://a.example:8080/x')}</p>\n",
        ),
        (
            "https://exa$mple.com and http://a.example/",
            f"<p>https://exa$mple.com and {a('http://a.example/', 'http://a.example/')}</p>\n",
        ),
        # A trailing entity-like "&hl;" and unbalanced ")" are not part of the address.
        (
            "go to https://a.example/x&hl; now",
            f"<p>go to {a('https://a.example/x', 'https://a.example/x')}&amp;hl; now</p>\n",
        ),
        (
            "https://example.org/a)) and (https://example.org/(a))",
            f"<p>{a('https://example.org/a', 'https://example.org/a')})) and "
            f"({a('https://example.org/(a)', 'https://example.org/(a)')})</p>\n",
        ),
        # Mail addresses: not a final dot, nor one ending in "-" or "_".
        (
            "mail a.b-c@x.example. or a-b@x.example or foo@bar.example- or foo@bar.example_",
            f"<p>mail {a('mailto:a.b-c@x.example', 'a.b-c@x.example')}. or "
            f"{a('mailto:a-b@x.example', 'a-b@x.example')} or foo@bar.example- or "
            "foo@bar.example_</p>\n",
        ),
        # Inside a link nothing more is linked; after it, addresses are again.
        (
            "[a](https://y.example) https://z.example",
            f"<p>{a('https://y.example', 'a')} {a('https://z.example', 'https://z.example')}</p>\n",
        ),
        (
            "[see https://x.example](https://x.example)",
            f"<p>{a('https://x.example', 'see https://x.example')}</p>\n",
        ),
    ],
)
def test_bare_addresses(source: str, html: str) -> None:
    assert render_post(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # A link inside a BBCode link is flattened: no link inside a link.
        (
            "[url=https://a.example][b](https://b.example)[/url]",
            f"<p>{a('https://a.example', '<span>b</span>')}</p>\n",
        ),
        (
            "[email]a@b.example[/email] [email=a@b.example]Write[/email] "
            "[url=https://x.example][email]c@d.example[/email][/url]",
            f"<p>{a('mailto:a@b.example', 'a@b.example')} {a('mailto:a@b.example', 'Write')} "
            f"{a('https://x.example', '[email]c@d.example[/email]')}</p>\n",
        ),
        # An empty label shows the address.
        (
            "[url=https://a.example][/url] [url=https://a.example]  [/url]",
            f"<p>{a('https://a.example', 'https://a.example')} "
            f"{a('https://a.example', 'https://a.example')}</p>\n",
        ),
        # Unsafe addresses: a bare one stays as typed, a labelled one keeps its label only.
        (
            "[url]javascript:x[/url] [url=javascript:x]label[/url] [url=//evil.example]x[/url]",
            "<p>[url]javascript:x[/url] label x</p>\n",
        ),
        (
            "[url=example.com]x[/url] [url]www.example.com[/url]",
            f"<p>{a('http://example.com', 'x')} "
            f"{a('http://www.example.com', 'www.example.com')}</p>\n",
        ),
        # Nothing inside a bare [url] is markup.
        (
            "[url]https://a.example/[b]x[/b][/url]",
            f"<p>{a('https://a.example/%5Bb%5Dx%5B/b%5D', 'https://a.example/[b]x[/b]')}</p>\n",
        ),
        ("\\[b]x[/b] and [b]y[/b]", "<p>[b]x[/b] and <strong>y</strong></p>\n"),
        ("a\\[b]x[/b]", "<p>a[b]x[/b]</p>\n"),
        ("a [code]x[/code] b", "<p>a <code>x</code> b</p>\n"),
        (
            "| a | b |\n|:-|-:|\n| c | d |",
            '<table>\n<thead>\n<tr>\n<th align="left">a</th>\n<th align="right">b</th>\n'
            '</tr>\n</thead>\n<tbody>\n<tr>\n<td align="left">c</td>\n<td align="right">d</td>\n'
            "</tr>\n</tbody>\n</table>\n",
        ),
    ],
)
def test_inline_tags(source: str, html: str) -> None:
    assert render_post(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[code]\nx[/code]", "<pre><code>x\n</code></pre>\n"),
        ("[code][/code]", "<pre><code></code></pre>\n"),
        ("[code]\n  a\n  b[/code]", "<pre><code>  a\n  b\n</code></pre>\n"),
        # Four spaces make an indented code block, whatever it holds; three do not.
        ("    [quote]x[/quote]", "<pre><code>[quote]x[/quote]\n</code></pre>\n"),
        (
            "   [quote]x[/quote]",
            '<blockquote class="bbquote"><div class="bbquote-body">\n<p>x</p>\n'
            "</div></blockquote>\n",
        ),
        # What follows a closing tag on its line starts a paragraph, lazy lines included.
        (
            "[quote]x[/quote] tail\nnext line",
            '<blockquote class="bbquote"><div class="bbquote-body">\n<p>x</p>\n'
            "</div></blockquote>\n<p>tail<br>\nnext line</p>\n",
        ),
        (
            "[quote]x[/quote]   tail",
            '<blockquote class="bbquote"><div class="bbquote-body">\n<p>x</p>\n'
            "</div></blockquote>\n<p>tail</p>\n",
        ),
        # A block tag ends a markdown list, and a link reference definition.
        (
            "- item\n[quote]x[/quote]",
            '<ul>\n<li>item</li>\n</ul>\n<blockquote class="bbquote"><div class="bbquote-body">\n'
            "<p>x</p>\n</div></blockquote>\n",
        ),
        (
            "[foo]: https://example.com\n[quote]x[/quote]",
            '<blockquote class="bbquote"><div class="bbquote-body">\n<p>x</p>\n'
            "</div></blockquote>\n",
        ),
    ],
)
def test_code_and_block_boundaries(source: str, html: str) -> None:
    assert render_post(source) == html


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        (
            '<div class="bbquote-head bbquote-body">x</div>',
            '<div class="bbquote-head bbquote-body">x</div>',
        ),
        ('<div class="language-py bbquote-head">x</div>', '<div class="bbquote-head">x</div>'),
        ('<code class="language-py bbquote">x</code>', '<code class="language-py">x</code>'),
        ('<span class="bbquote">x</span>', "<span>x</span>"),
        ('<ol start="x3"><li>a</li></ol>', "<ol><li>a</li></ol>"),
        ('<blockquote data-member="7a">q</blockquote>', "<blockquote>q</blockquote>"),
        # The last line of defence judges addresses itself: nh3 alone would keep these.
        ('<a href="//evil.example/">x</a>', '<a rel="nofollow ugc noopener">x</a>'),
        ('<a href="/ok">x</a>', '<a href="/ok" rel="nofollow ugc noopener">x</a>'),
    ],
)
def test_the_allow_list_keeps_only_its_own_classes_and_numbers(html: str, kept: str) -> None:
    assert sanitise_html(html) == kept


@pytest.mark.parametrize(
    ("src", "kept"),
    [
        ("/local.png", False),
        ("mailto:a@b.example", False),
        ("http://X.example/a.png", True),
    ],
)
def test_the_allow_list_keeps_only_absolute_image_addresses(src: str, kept: bool) -> None:
    # nh3 adds loading/decoding in no fixed order, so look at the src attribute only.
    html = sanitise_html(f'<img src="{src}">')
    assert html.startswith("<img ") and html.endswith(">"), html
    assert (f'src="{src}"' in html) is kept
    assert ("src=" in html) is kept


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("/", True),
        ("/x", True),
        ("/Xy", True),
        ("//x", False),
        ("/\\x", False),
        ("/ /evil.example", False),  # browsers drop the space: protocol-relative
        ("", False),
        ("   ", False),
        ("HTTPS://x", True),
        ("mailto:a@b", True),
        ("java\tscript:x", False),
        ("x", False),
        ("?q", False),
    ],
)
def test_which_link_addresses_are_kept(url: str, safe: bool) -> None:
    assert is_safe_link(url) is safe


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # An escaped closing tag is text, and the next one closes.
        ("[b]x\\[/b][/b]", "<p><strong>x[/b]</strong></p>\n"),
        # A bare [url] and an [img] end at their first closing tag, whatever they contain.
        (
            "[url]http://a.example/?[url]x[/url]",
            '<p><a href="http://a.example/?%5Burl%5Dx" rel="nofollow ugc noopener">'
            "http://a.example/?[url]x</a></p>\n",
        ),
        (
            "[img]x [img]http://e.example/2.png[/img]",
            "<p>[img]x [img]http://e.example/2.png[/img]</p>\n",
        ),
        # Past twenty levels of inline tags, the innermost stay text ([font] keeps only its
        # text, so it pushes no token that markdown-it's own depth limit would count).
        ("[font=A]" * 21 + "x" + "[/font]" * 21, "<p>[font=A]x[/font]</p>\n"),
        ("[font=A]" * 20 + "x" + "[/font]" * 20, "<p>x</p>\n"),
        # Entities at the end of a bare address are not part of it, one after another.
        (
            "http://example.com/&x;&y;",
            f"<p>{a('http://example.com/', 'http://example.com/')}&amp;x;&amp;y;</p>\n",
        ),
        (
            "http://example.com/a&b=1&c;",
            f"<p>{a('http://example.com/a&amp;b=1', 'http://example.com/a&amp;b=1')}&amp;c;</p>\n",
        ),
        # A host of only dots, dashes and underscores is no domain.
        ("http://-.-", "<p>http://-.-</p>\n"),
        ("see http://_.-.-", "<p>see http://_.-.-</p>\n"),
        # A bare e-mail address may end in any letter.
        (
            "mail a@example.coX now",
            f"<p>mail {a('mailto:a@example.coX', 'a@example.coX')} now</p>\n",
        ),
        # Emphasis spans BBCode links and code.
        (
            "*a [url]http://x.example[/url] b*",
            f"<p><em>a {a('http://x.example', 'http://x.example')} b</em></p>\n",
        ),
        ("*a [code]c[/code] b*", "<p><em>a <code>c</code> b</em></p>\n"),
        # Inline [code] inside text ends at its first [/code]; an [email] without "=" likewise.
        ("x [code]a [code]b[/code] c[/code]", "<p>x <code>a [code]b</code> c[/code]</p>\n"),
        (
            "x [email]a@b.example [email]c@d.example[/email]",
            "<p>x [email]a@b.example [email]c@d.example[/email]</p>\n",
        ),
        # A link inside a link is its label only.
        (
            "[url=http://example.com][url=http://x.example]y[/url][/url]",
            f"<p>{a('http://example.com', 'y')}</p>\n",
        ),
        # A markdown link inside a [url=] is flattened to its text; an address after it is
        # not linked either, since it is still inside the outer link.
        (
            "[url=http://a.example][x](http://b.example) http://c.example[/url]",
            '<p><a href="http://a.example" rel="nofollow ugc noopener"><span>x</span> '
            "http://c.example</a> (a.example)</p>\n",
        ),
        # An [img] that never closes does not stop the tags after it from pairing.
        ("[img] x [b]y[/b]", "<p>[img] x <strong>y</strong></p>\n"),
        ("[img] x [img] [b]y[/b]", "<p>[img] x [img] <strong>y</strong></p>\n"),
        # The inline depth limit counts nesting, not the tags that came before.
        ("[b]a[/b]" + "[font=A]" * 20 + "x" + "[/font]" * 20, "<p><strong>a</strong>x</p>\n"),
        (
            "[b]a[/b]" + "[font=A]" * 21 + "x" + "[/font]" * 21,
            "<p><strong>a</strong>[font=A]x[/font]</p>\n",
        ),
        # Only trailing dots leave a bare e-mail address.
        ("mail .a@example.com.", f"<p>mail {a('mailto:.a@example.com', '.a@example.com')}.</p>\n"),
    ],
)
def test_inline_edges(source: str, html: str) -> None:
    assert render_post(source) == html


def test_emphasis_spans_a_bbcode_image() -> None:
    # nh3 adds loading/decoding in no fixed order, so only the ends are compared.
    html = render_post("*a [img]http://e.example/i.png[/img] b*")
    assert html.startswith('<p><em>a <img src="http://e.example/i.png" alt="" '), html
    assert html.endswith('"> b</em></p>\n'), html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # [font] is accepted and dropped: fonts are the reader's, the words stay.
        ("[font=Arial]Hello[/font] and [FONT=x]y[/FONT]", "<p>Hello and y</p>\n"),
        ("[font='Times New Roman']*a*[/font]", "<p><em>a</em></p>\n"),
        # [media] content is taken raw: tags inside it are part of the address, not markup.
        (
            "[media]https://www.youtube.com/watch?v=dQw4w9WgXcQ[b]x[/b][/media]",
            "<p>"
            + a(
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ%5Bb%5Dx%5B/b%5D",
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ[b]x[/b]",
            )
            + "</p>\n",
        ),
        (
            "[media][b]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/b][/media] [b]x[/b]",
            "<p>[media][b]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/b][/media] "
            "<strong>x</strong></p>\n",
        ),
    ],
)
def test_font_and_raw_media(source: str, html: str) -> None:
    assert render_post(source) == html
