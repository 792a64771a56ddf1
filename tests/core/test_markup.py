"""Rendering behaviour of parley.core.markup as a reader of a post would see it.

Plain pytest; the module must work without Django (run with ``-p no:django``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from parley.core.markup import (
    MAX_QUOTE_DEPTH,
    RENDERER_VERSION,
    clean_control_chars,
    excerpt,
    plain_text,
    quote_source,
    render_post,
)

ROOT = Path(__file__).resolve().parents[2]


class _Elements(HTMLParser):
    """Collects (tag, attrs) for every start tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str, tag: str) -> list[dict[str, str | None]]:
    p = _Elements()
    p.feed(html)
    p.close()
    return [attrs for t, attrs in p.found if t == tag]


def text_of(html: str) -> str:
    return plain_text(html)


# --- API ----------------------------------------------------------------------


def test_public_constants():
    assert isinstance(RENDERER_VERSION, int) and RENDERER_VERSION >= 1
    assert MAX_QUOTE_DEPTH == 3


def test_module_does_not_import_django():
    code = (
        "import sys, parley.core.markup as m; m.render_post('**x**');"
        "bad = [n for n in sys.modules if n == 'django' or n.startswith('django.')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)  # noqa: S603 - fixed argv


def test_empty_and_whitespace_sources():
    assert render_post("") == ""
    assert render_post("   \n\n  ") == ""


# --- Markdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**bold**", "<strong>bold</strong>"),
        ("_it_", "<em>it</em>"),
        ("~~gone~~", "<s>gone</s>"),
        ("`x < y`", "<code>x &lt; y</code>"),
        ("[site](https://example.com/a)", '<a href="https://example.com/a"'),
        ("---", "<hr>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">'),
        ("line one\nline two", "line one<br>\nline two"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
    ],
)
def test_markdown_features(source, expected):
    assert expected in render_post(source)


def test_headings_are_shifted_below_page_title():
    html = render_post("# Top\n\n###### Six")
    assert "<h2>Top</h2>" in html
    assert "<h6>Six</h6>" in html
    assert "<h1" not in html


def test_fenced_code_keeps_language_and_is_literal():
    html = render_post("```python\nprint('<b>**x**</b>')\n```")
    assert '<pre><code class="language-python">' in html
    assert "&lt;b&gt;**x**&lt;/b&gt;" in html
    assert "<strong>" not in html


def test_table_with_alignment():
    html = render_post("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert elements(html, "th") == [{"align": "left"}, {"align": "right"}]
    assert "style" not in html


def test_raw_html_is_escaped_not_rendered():
    html = render_post("<b>hi</b> <div>x</div>")
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert "<b>" not in html and "<div>" not in html


@pytest.mark.parametrize(
    ("source", "href", "label"),
    [
        (
            "go to https://example.com/page now",
            "https://example.com/page",
            "https://example.com/page",
        ),
        ("see www.example.org.", "http://www.example.org", "www.example.org"),
        ("mail bob@example.com", "mailto:bob@example.com", "bob@example.com"),
        ("<https://example.net/x>", "https://example.net/x", "https://example.net/x"),
        ("(https://en.wikipedia.org/wiki/A_(b))", "https://en.wikipedia.org/wiki/A_(b)", None),
    ],
)
def test_autolinks(source, href, label):
    html = render_post(source)
    assert [a["href"] for a in elements(html, "a")] == [href]
    if label:
        assert f">{label}</a>" in html


def test_no_fuzzy_links_for_file_names():
    assert "<a" not in render_post("open settings.py and example.com")


def test_markdown_image_is_lazy():
    html = render_post('![a cat](https://img.example.com/cat.png "Cat")')
    (img,) = elements(html, "img")
    assert img == {
        "src": "https://img.example.com/cat.png",
        "alt": "a cat",
        "title": "Cat",
        "loading": "lazy",
        "decoding": "async",
    }


def test_relative_image_is_dropped_to_alt_text():
    html = render_post("![local pic](/media/x.png)")
    assert "<img" not in html
    assert "local pic" in html


def test_every_link_gets_rel_nofollow_ugc_noopener():
    source = (
        "[a](https://a.example) https://b.example [url]https://c.example[/url] "
        '[url=https://d.example]d[/url] [rel](/threads/1/)\n\n[quote="X, post: 4"]q[/quote]'
    )
    anchors = elements(render_post(source), "a")
    assert len(anchors) == 6
    for a in anchors:
        assert set((a["rel"] or "").split()) == {"nofollow", "ugc", "noopener"}
        assert "target" not in a


def test_site_relative_links_allowed_but_protocol_relative_not():
    html = render_post("[ok](/threads/5/) [bad](//evil.example/x)")
    assert [a["href"] for a in elements(html, "a")] == ["/threads/5/"]
    assert "evil.example" not in "".join(str(a) for a in elements(html, "a"))


# --- BBCode -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[b]bold[/b]", "<strong>bold</strong>"),
        ("[i]it[/i]", "<em>it</em>"),
        ("[u]under[/u]", "<u>under</u>"),
        ("[s]struck[/s]", "<s>struck</s>"),
        ("[B]bold[/b]", "<strong>bold</strong>"),
        ("[I]it[/I]", "<em>it</em>"),
        ("[b]a [i]b[/i] c[/b]", "<strong>a <em>b</em> c</strong>"),
        (
            "[color=red]red[/color] [SIZE=4]big[/size]",
            '<p><span class="bb-color-red">red</span> <span class="bb-size-4">big</span></p>',
        ),
        ("x [code]**raw** [b]no[/b][/code] y", "<code>**raw** [b]no[/b]</code>"),
    ],
)
def test_bbcode_inline(source, expected):
    assert expected in render_post(source)


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        ("[url]https://example.com/a[/url]", "https://example.com/a", "https://example.com/a"),
        ("[url=https://example.com/b]Example[/url]", "https://example.com/b", "Example"),
        ('[URL="https://example.com/c"]Quoted[/URL]', "https://example.com/c", "Quoted"),
        ("[url]www.example.com[/url]", "http://www.example.com", "www.example.com"),
        ("[Url=/threads/3/]internal[/uRl]", "/threads/3/", "internal"),
        ("[email]me@example.com[/email]", "mailto:me@example.com", "me@example.com"),
    ],
)
def test_bbcode_url(source, href, text):
    html = render_post(source)
    assert [a["href"] for a in elements(html, "a")] == [href]
    assert f">{text}</a>" in html


def test_bbcode_url_label_can_hold_formatting():
    html = render_post("[url=https://example.com][b]bold[/b] link[/url]")
    assert "<strong>bold</strong> link</a>" in html


def test_bbcode_image_is_lazy_and_https_only():
    html = render_post('[IMG alt="A dog"]https://img.example.com/dog.jpg[/IMG]')
    (img,) = elements(html, "img")
    assert img == {
        "src": "https://img.example.com/dog.jpg",
        "alt": "A dog",
        "loading": "lazy",
        "decoding": "async",
    }
    assert "<img" not in render_post("[img]/local.png[/img]")
    assert "<img" not in render_post("[img]ftp://x.example/a.png[/img]")


def test_bbcode_code_block_is_literal():
    source = (
        "[code]\n**not bold** [b]not bbcode[/b]\n<script>alert(1)</script>\n# no heading\n[/code]"
    )
    html = render_post(source)
    assert html.startswith("<pre><code>")
    assert "**not bold** [b]not bbcode[/b]" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "# no heading" in html
    assert "<strong>" not in html and "<h" not in html.replace("<hr", "")


def test_bbcode_code_with_language():
    html = render_post("[CODE=python]def f():\n    return 1[/CODE]")
    assert '<pre><code class="language-python">def f():\n    return 1\n</code></pre>' in html


def test_bbcode_code_with_bogus_language_has_no_class():
    html = render_post('[code="x onmouseover=alert(1)"]y[/code]')
    assert "<pre><code>y\n</code></pre>" in html


def test_bbcode_list_unordered_and_ordered():
    html = render_post("[list]\n[*]one\n[*]two [b]2[/b]\n[/list]")
    assert "<ul>\n<li>one</li>\n<li>two <strong>2</strong></li>\n</ul>" in html
    html = render_post("[LIST=1][*]a[*]b[/LIST]")
    assert "<ol>\n<li>a</li>\n<li>b</li>\n</ol>" in html


@pytest.mark.parametrize("arg", ["²", "٣", "99999999999", "disc", '"1"'])
def test_bbcode_list_odd_arguments_do_not_break(arg):
    html = render_post(f"[list={arg}][*]a[*]b[/list]")
    assert "<li>a</li>" in html and "<li>b</li>" in html


def test_bbcode_nested_list():
    html = render_post("[list]\n[*]a\n[list]\n[*]inner\n[/list]\n[*]b\n[/list]")
    assert html.count("<ul>") == 2
    assert html.count("<li>") == 3
    assert "<li>b</li>" in html


def test_bbcode_spoiler():
    html = render_post("[spoiler]He was dead all along[/spoiler]")
    assert html.startswith('<details class="spoiler"><summary>Spoiler</summary>')
    assert "<p>He was dead all along</p>\n</details>" in html
    html = render_post('[SPOILER="Ending"]twist[/SPOILER]')
    assert '<details class="spoiler"><summary>Spoiler: Ending</summary>' in html


def test_spoiler_in_middle_of_a_line_still_hides_text():
    html = render_post("The ending: [spoiler]everyone lives[/spoiler] — great film.")
    assert '<details class="spoiler">' in html
    assert "<p>The ending:</p>" in html
    assert "<p>— great film.</p>" in html
    assert "[spoiler]" not in html


@pytest.mark.parametrize(
    "source",
    [
        "[b]never closed",
        "[quote]never closed",
        "[spoiler]never closed",
        "[list][*]never closed",
        "[code]never closed",
        "[url]never closed",
        "[/b] stray close",
        "[/quote] stray close",
    ],
)
def test_unclosed_or_stray_tags_stay_literal(source):
    html = render_post(source)
    assert html == f"<p>{source}</p>\n"


def test_mismatched_tags_render_well_nested():
    html = render_post("[b]a [i]b[/b] c[/i]")
    assert html == "<p><strong>a [i]b</strong> c[/i]</p>\n"


def test_backslash_escapes_a_tag():
    assert render_post(r"\[b]literal[/b]") == "<p>[b]literal[/b]</p>\n"


def test_tag_inside_code_span_is_not_bbcode():
    html = render_post("Type `[quote]` then `[/quote]`.")
    assert html == "<p>Type <code>[quote]</code> then <code>[/quote]</code>.</p>\n"


# --- Quotes -----------------------------------------------------------------


def test_quote_with_full_attribution():
    html = render_post('[quote="Alice, post: 12, member: 3"]Hello [b]there[/b][/quote]\nMy reply')
    assert html.startswith(
        '<blockquote class="bbquote" data-author="Alice" data-member="3">'
        '<div class="bbquote-head"><a href="/posts/12/" rel="nofollow ugc noopener">Alice said:</a>'
        '</div><div class="bbquote-body">\n<p>Hello <strong>there</strong></p>\n</div></blockquote>'
    )
    assert html.endswith("<p>My reply</p>\n")


def test_quote_with_plain_name_has_no_link():
    html = render_post("[QUOTE=Bob]hi[/QUOTE]")
    assert '<blockquote class="bbquote" data-author="Bob">' in html
    assert '<div class="bbquote-head">Bob said:</div>' in html
    assert "<a" not in html


@pytest.mark.parametrize(
    ("source", "author", "link"),
    [
        ('[quote="Carol, post: 0"]x[/quote]', "Carol", None),
        ("[quote='Dan, post: 7']x[/quote]", "Dan", "/posts/7/"),
        ('[quote="Eve" post_id=8 time=1 user_id=9]x[/quote]', "Eve", "/posts/8/"),
        ("[quote=Fay;99]x[/quote]", "Fay", "/posts/99/"),
        ('[quote="Gus, post: 9, post: 10"]x[/quote]', "Gus, post: 9", "/posts/10/"),
    ],
)
def test_quote_attribution_formats(source, author, link):
    html = render_post(source)
    (bq,) = elements(html, "blockquote")
    assert bq["data-author"] == author
    assert [a["href"] for a in elements(html, "a")] == ([link] if link else [])


def test_quote_without_attribution():
    html = render_post("[quote]\nplain\n\nsecond para\n[/quote]")
    assert html == (
        '<blockquote class="bbquote"><div class="bbquote-body">\n'
        "<p>plain</p>\n<p>second para</p>\n</div></blockquote>\n"
    )


def test_quote_body_supports_markdown():
    html = render_post("[quote=A]\n- item\n\n```\ncode\n```\n[/quote]")
    assert "<ul>\n<li>item</li>\n</ul>" in html
    assert "<pre><code>code\n</code></pre>" in html


@pytest.mark.parametrize("inline", [False, True])
def test_quote_nesting_is_capped(inline):
    depth = MAX_QUOTE_DEPTH + 2
    sep = "" if inline else "\n"
    source = "".join(f"[quote=L{i}]{sep}level {i}{sep}" for i in range(depth))
    source += "".join(f"[/quote]{sep}" for _ in range(depth))
    html = render_post(source)
    assert html.count("<blockquote") == MAX_QUOTE_DEPTH
    assert html.count("</blockquote>") == MAX_QUOTE_DEPTH
    assert '<div class="bbquote-omitted">[…]</div>' in html
    for i in range(MAX_QUOTE_DEPTH):
        assert f"level {i}" in html
    assert f"level {MAX_QUOTE_DEPTH}" not in html
    assert "[quote" not in html and "[/quote]" not in html


def test_quote_inside_markdown_list_and_blockquote():
    html = render_post("- item\n  [quote=A]inside[/quote]\n\n> [quote=B]deeper[/quote]")
    assert html.count('class="bbquote"') == 2
    assert "<li>item" in html


def test_block_tags_interrupt_paragraphs_but_not_table_rows():
    html = render_post("Intro\nmore [spoiler]hidden[/spoiler]")
    assert "<p>Intro</p>" in html and '<details class="spoiler">' in html
    html = render_post("| a | b |\n|---|---|\n| [b]x[/b] | [quote]y[/quote] |")
    assert html.count("<td>") == 2 and "<blockquote" not in html
    html = render_post("| a |\n|---|\n| 1 |\n[quote]after table[/quote]")
    assert html.index("</table>") < html.index('<blockquote class="bbquote">')


def test_sequential_quotes_on_one_line():
    html = render_post("a[quote]x[/quote]b[quote]y[/quote]c")
    assert html.count("<blockquote") == 2
    assert re.sub(r"\s", "", text_of(html)) == "abc"  # quotes are left out of plain text


def test_quote_source_format():
    src = quote_source(author_name="Alice", post_id=12, member_id=3, body_source="Hello")
    assert src == '[quote="Alice, post: 12, member: 3"]\nHello\n[/quote]\n'
    src = quote_source(author_name="Guest", post_id=5, member_id=None, body_source="Hi")
    assert src == '[quote="Guest, post: 5"]\nHi\n[/quote]\n'


def test_quote_source_round_trip_strips_nested_quotes():
    body = '[quote="Zed, post: 1, member: 9"]older words[/quote]\nMy own point.\r\n'
    src = quote_source(author_name="Alice", post_id=12, member_id=3, body_source=body)
    assert "Zed" not in src and "older words" not in src
    html = render_post(src + "I agree.")
    (bq,) = elements(html, "blockquote")
    assert bq == {"class": "bbquote", "data-author": "Alice", "data-member": "3"}
    assert [a["href"] for a in elements(html, "a")] == ["/posts/12/"]
    assert "Alice said:" in html
    assert "<p>My own point.</p>\n</div></blockquote>\n<p>I agree.</p>" in html


def test_quote_source_neutralises_stray_tags_in_body():
    body = "fake end [/quote]\nnow I speak as the replier\n[code]unclosed"
    src = quote_source(author_name="Mallory", post_id=2, member_id=None, body_source=body)
    html = render_post(src + "real reply")
    body_html = html.split('<div class="bbquote-body">', 1)[1].split("</blockquote>", 1)[0]
    assert "now I speak as the replier" in body_html
    assert "[/quote]" in body_html and "[code]unclosed" in body_html
    assert html.endswith("<p>real reply</p>\n")


def test_quote_source_sanitises_author_name():
    src = quote_source(
        author_name='Ev"il] [b]\nName, post: 99', post_id=3, member_id=4, body_source="x"
    )
    html = render_post(src)
    (bq,) = elements(html, "blockquote")
    assert bq["data-author"] == "Ev'il) (b) Name, post: 99"
    assert [a["href"] for a in elements(html, "a")] == ["/posts/3/"]


# --- Control characters ----------------------------------------------------


def test_clean_control_chars():
    assert clean_control_chars("a\r\nb\rc") == "a\nb\nc"
    assert clean_control_chars("t\tab\x00\x07\x1b[31m\x7f\x85\x9f") == "t\tab[31m"
    assert clean_control_chars("abc\u202egnp.exe\u2066x\u2069") == "abcgnp.exex"
    assert clean_control_chars("ok \u00e9 \u4e2d \U0001f600") == "ok \u00e9 \u4e2d \U0001f600"


@pytest.mark.parametrize(
    "source",
    [
        "evil\u202etxt.exe",
        "evil&#x202E;txt.exe",
        "evil&#8238;txt.exe",
        "bell\x07 esc\x1b nul\x00 c1\x85",
        "iso\u2067late\u2069",
    ],
)
def test_control_and_bidi_chars_never_reach_output(source):
    html = render_post(source)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", html)


def test_crlf_source_renders_like_lf():
    assert render_post("a\r\nb\r\n\r\nc") == render_post("a\nb\n\nc")


# --- Plain text / excerpt -------------------------------------------------------


def test_excerpt_strips_markup_and_collapses_whitespace():
    source = (
        "# Title\n\nSome **bold**   and [i]italic[/i]\n"
        "text &amp; [url=https://x.example]a link[/url]."
    )
    assert excerpt(source) == "Title Some bold and italic text & a link."


def test_excerpt_leaves_out_quotes_and_spoiler_bodies():
    source = '[quote="A, post: 1"]their words[/quote]\nMine. [spoiler=End]secret[/spoiler]'
    out = excerpt(source)
    assert "their words" not in out and "secret" not in out
    assert out.startswith("Mine.")


def test_excerpt_truncates_on_word_boundary():
    source = "word " * 100
    out = excerpt(source, length=50)
    assert len(out) <= 50
    assert out.endswith("…")
    assert out[:-1].split() == ["word"] * len(out[:-1].split())


def test_plain_text_of_stored_html():
    html = render_post("**Hello**\n\n- a\n- b")
    assert plain_text(html) == "Hello a b"
    assert plain_text(html, length=4) == "Hel…"


# --- Performance ------------------------------------------------------------------

REALISTIC = (
    '[quote="Alice, post: 1234, member: 56"]\nI tried the firmware update and my router keeps '
    "dropping the 5GHz band. Anyone else?\n[/quote]\n\n"
    "Yes, same here. After updating to **v2.4.1** the radio resets every ~20 minutes. "
    "I rolled back using https://example.com/support/rollback and it's been stable since.\n\n"
    "A few things that helped:\n\n- Disable *band steering*\n"
    "- Set a fixed channel (I use 36)\n- Turn off [b]WPS[/b]\n\n"
    "```\nlogread | grep -i wlan\n```\n\n"
    "Also see [this thread](https://example.com/t/5ghz) for more. "
    "I'll report back after a week.\n\n"
)


def test_render_speed_of_a_typical_post():
    source = (REALISTIC * 3)[:2000]
    render_post(source)
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        render_post(source)
    per_render = (time.perf_counter() - start) / runs
    # Typically ~1-2 ms; the bound is loose so a busy CI box does not flake,
    # but it still catches accidental super-linear behaviour.
    assert per_render < 0.03


@pytest.mark.parametrize(
    "source",
    [
        "a:" * 20000,
        "http:" * 10000,
        "@" * 20000,
        "[quote]a[/quote]" * 3000,
        "[b]" * 20000,
        "[quote]\n" * 10000,
        "[list]" + "[*]x" * 5000 + "[/list]",
        "[spoiler]" * 3000 + "x" + "[/spoiler]" * 3000,
        "[url=" * 5000,
        '[quote="' * 5000,
        "see http://x.example/" + ")" * 20000,
        "see http://x.example/" + "&a;" * 10000,
        '[quote="a' + " ," * 20000 + 'b"]x[/quote]',
    ],
)
def test_pathological_input_stays_fast(source):
    start = time.perf_counter()
    html = render_post(source)
    assert time.perf_counter() - start < 5
    assert html
