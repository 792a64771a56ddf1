"""The BBCode boards coming from XenForo use beyond the basics: [color], [size], [center] [left]
[right] [justify], [indent], [user] and [media] are shown, from a fixed vocabulary only; what
falls outside it keeps its text, and tags Parley does not know stay visible as typed.

Plain pytest; like the renderer itself, this needs no Django.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parley.core.markup import has_visible_content, nesting_problem, plain_text, render_post
from parley.core.markup.extras import PALETTE, SIZE_PX
from parley.core.markup.sanitise import sanitise_html
from tests.core.parsed import parse
from tests.core.test_markup_nesting import nested, stack_headroom
from tests.core.test_markup_xss import assert_inert

STATIC = Path(__file__).resolve().parents[2] / "parley" / "core" / "static" / "parley"
REL = 'rel="nofollow ugc noopener"'


def p(inner: str) -> str:
    return f"<p>{inner}</p>\n"


def span(cls: str, inner: str) -> str:
    return f'<span class="{cls}">{inner}</span>'


def div(cls: str, inner: str) -> str:
    return f'<div class="{cls}">\n{inner}</div>\n'


def member(member_id: int, label: str) -> str:
    return f'<a href="/members/{member_id}/" {REL}>{label}</a>'


def video(href: str, site: str) -> str:
    return f'<a href="{href}" class="bb-media" {REL}>Video on {site}: {href}</a>'


YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


def check(source: str, html: str) -> None:
    assert render_post(source) == html
    assert_inert(html)


# --- underline and strikethrough ------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[u]under[/u]", p("<u>under</u>")),
        ("[U]under[/U]", p("<u>under</u>")),
        ("[s]struck[/s]", p("<s>struck</s>")),
        ("[S]struck[/s]", p("<s>struck</s>")),
        ("[u][s]both[/s][/u]", p("<u><s>both</s></u>")),
    ],
)
def test_underline_and_strikethrough(source: str, html: str) -> None:
    check(source, html)


# --- colours --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[color=red]x[/color]", p(span("bb-color-red", "x"))),
        ("[COLOR=Red]x[/COLOR]", p(span("bb-color-red", "x"))),
        ('[color="navy"]x[/color]', p(span("bb-color-navy", "x"))),
        ("[color='green']x[/color]", p(span("bb-color-green", "x"))),
        ("[color= darkSlateBlue ]x[/color]", p(span("bb-color-darkslateblue", "x"))),
        # CSS spellings of the same colour share one class.
        ("[color=grey]x[/color]", p(span("bb-color-gray", "x"))),
        ("[color=aqua]x[/color]", p(span("bb-color-cyan", "x"))),
        ("[color=fuchsia]x[/color]", p(span("bb-color-magenta", "x"))),
        # Hex and XenForo 2's rgb(): the palette's own values exactly, others the nearest colour.
        ("[color=#ff0000]x[/color]", p(span("bb-color-red", "x"))),
        ("[color=#F00]x[/color]", p(span("bb-color-red", "x"))),
        ("[color=#000080]x[/color]", p(span("bb-color-navy", "x"))),
        ("[color=#fe0101]x[/color]", p(span("bb-color-red", "x"))),
        ("[color=#3D8EB9]x[/color]", p(span("bb-color-steelblue", "x"))),
        ("[color=#fff]x[/color]", p(span("bb-color-white", "x"))),
        ("[COLOR=rgb(0, 128, 0)]x[/COLOR]", p(span("bb-color-green", "x"))),
        ("[color=rgb(184, 49, 47)]x[/color]", p(span("bb-color-brown", "x"))),
        ("[color=rgb(255,215,0)]x[/color]", p(span("bb-color-gold", "x"))),
        # Formatting inside, and nesting.
        (
            "[color=red][b]bold[/b] and [color=blue]blue[/color][/color]",
            p(span("bb-color-red", "<strong>bold</strong> and " + span("bb-color-blue", "blue"))),
        ),
    ],
)
def test_colours_from_the_palette(source: str, html: str) -> None:
    check(source, html)


@pytest.mark.parametrize(
    "source",
    [
        "[color]x[/color]",
        "[color=]x[/color]",
        "[color=nosuchcolour]x[/color]",
        "[color=transparent]x[/color]",
        "[color=currentColor]x[/color]",
        "[color=inherit]x[/color]",
        "[color=#ff00]x[/color]",
        "[color=#ff000000]x[/color]",
        "[color=#gggggg]x[/color]",
        "[color=ff0000]x[/color]",
        "[color=rgb(256, 0, 0)]x[/color]",
        "[color=rgb(1, 2)]x[/color]",
        "[color=rgba(1, 2, 3, 0.5)]x[/color]",
        "[color=hsl(0, 100%, 50%)]x[/color]",
        "[color=red;background:url(javascript:alert(1))]x[/color]",
        "[color=red; font-size: 99px]x[/color]",
        "[color=expression(alert(1))]x[/color]",
        "[color=var(--brand)]x[/color]",
        "[color=red onmouseover=alert(1)]x[/color]",
        '[color="red" onmouseover="alert(1)"]x[/color]',
        "[color red]x[/color]",
    ],
)
def test_a_colour_outside_the_palette_keeps_the_text_only(source: str) -> None:
    check(source, p("x"))


# --- sizes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        *((f"[size={n}]x[/size]", p(span(f"bb-size-{n}", "x"))) for n in range(1, 8)),
        ("[SIZE=4]x[/SIZE]", p(span("bb-size-4", "x"))),
        ('[size="5"]x[/size]', p(span("bb-size-5", "x"))),
        # The pixel sizes XenForo's editor writes go to the nearest of its steps.
        ("[size=9px]x[/size]", p(span("bb-size-1", "x"))),
        ("[size=1px]x[/size]", p(span("bb-size-1", "x"))),
        ("[size=11px]x[/size]", p(span("bb-size-2", "x"))),  # halfway: the smaller step
        ("[size=12px]x[/size]", p(span("bb-size-3", "x"))),
        ("[size=15PX]x[/size]", p(span("bb-size-4", "x"))),
        ("[size=17px]x[/size]", p(span("bb-size-5", "x"))),
        ("[size=22px]x[/size]", p(span("bb-size-6", "x"))),
        ("[size=26px]x[/size]", p(span("bb-size-7", "x"))),
        ("[size=999px]x[/size]", p(span("bb-size-7", "x"))),
    ],
)
def test_sizes_are_xenforos_seven_steps(source: str, html: str) -> None:
    check(source, html)


@pytest.mark.parametrize(
    "source",
    [
        "[size]x[/size]",
        "[size=0]x[/size]",
        "[size=8]x[/size]",
        "[size=99999]x[/size]",
        "[size=0px]x[/size]",
        "[size=1000px]x[/size]",
        "[size=99999px]x[/size]",
        "[size=150]x[/size]",  # phpBB's percentages are not XenForo's steps
        "[size=2em]x[/size]",
        "[size=-1]x[/size]",
        "[size=+2]x[/size]",
        "[size=4.5]x[/size]",
        "[size=large]x[/size]",
        "[size=7;position:fixed]x[/size]",
        "[size=7 onclick=alert(1)]x[/size]",
    ],
)
def test_a_size_outside_the_steps_keeps_the_text_only(source: str) -> None:
    check(source, p("x"))


# --- alignment and indentation --------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[center]c[/center]", div("bb-align-center", p("c"))),
        ("[LEFT]l[/LEFT]", div("bb-align-left", p("l"))),
        ("[right]r[/right]", div("bb-align-right", p("r"))),
        ("[justify]j[/justify]", div("bb-align-justify", p("j"))),
        ("[indent]i[/indent]", div("bb-indent-1", p("i"))),
        ("[indent=2]i[/indent]", div("bb-indent-2", p("i"))),
        ('[indent="3"]i[/indent]', div("bb-indent-3", p("i"))),
        ("[indent=7]i[/indent]", div("bb-indent-3", p("i"))),  # deeper indents as far as 3
        # Opening a line, they are blocks that may hold paragraphs, lists and quotes...
        ("[center]a\n\nb[/center]", div("bb-align-center", p("a") + p("b"))),
        (
            "[center]\n- one\n- two\n[/center]",
            div("bb-align-center", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
        ),
        (
            "[right][quote]q[/quote][/right]",
            div(
                "bb-align-right",
                '<blockquote class="bbquote"><div class="bbquote-body">\n<p>q</p>\n</div>'
                "</blockquote>\n",
            ),
        ),
        ("[center][indent]x[/indent][/center]", div("bb-align-center", div("bb-indent-1", p("x")))),
        # ...and they end the paragraph before them, as in XenForo.
        ("text\n[center]c[/center]\nmore", p("text") + div("bb-align-center", p("c")) + p("more")),
        ("[center]c[/center] tail", div("bb-align-center", p("c")) + p("tail")),
        # XenForo's usual title.
        (
            "[CENTER][SIZE=6][B]Title[/B][/SIZE][/CENTER]",
            div("bb-align-center", p(span("bb-size-6", "<strong>Title</strong>"))),
        ),
        # Inside a line (or a heading, a table cell, formatting), the same classes on a span.
        ("a [center]c[/center] b", p(f"a {span('bb-align-center', 'c')} b")),
        ("[b][center]c[/center][/b]", p(f"<strong>{span('bb-align-center', 'c')}</strong>")),
        ("x [indent=2]i[/indent]", p(f"x {span('bb-indent-2', 'i')}")),
        ("# [center]T[/center]", f"<h2>{span('bb-align-center', 'T')}</h2>\n"),
        # Inside markdown containers.
        ("- [center]x[/center]", f"<ul>\n<li>\n{div('bb-align-center', p('x'))}</li>\n</ul>\n"),
        (
            "> [center]a\n> b[/center]",
            "<blockquote>\n" + div("bb-align-center", p("a<br>\nb")) + "</blockquote>\n",
        ),
    ],
)
def test_alignment_and_indentation(source: str, html: str) -> None:
    check(source, html)


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[center=1]c[/center]", p("c")),
        ('[center="><script>alert(1)</script>]c[/center]', p("c")),
        ("[left=x]l[/left]", p("l")),
        ("[indent=0]i[/indent]", p("i")),
        ("[indent=x]i[/indent]", p("i")),
        ("[indent=100]i[/indent]", p("i")),
        ("[indent=1 onclick=alert(1)]i[/indent]", p("i")),
        ("[indent=-1]i[/indent]", p("i")),
    ],
)
def test_alignment_with_an_argument_keeps_the_text_only(source: str, html: str) -> None:
    check(source, html)


def test_alignment_across_paragraphs_inside_a_line_stays_visible_as_typed() -> None:
    check("text [center]a\n\nb[/center]", p("text [center]a") + p("b[/center]"))


def test_deeply_nested_alignment_is_shown_within_a_bounded_stack() -> None:
    source = nested("[center]\n", "\n[/center]", "core words", depth=400)
    with stack_headroom(400):
        html = render_post(source)
    assert "core words" in parse(html).text
    assert_inert(html)
    # Seven levels are unusual but harmless: shown (as spans past six blocks), not refused.
    seven = nested("[center]", "[/center]", "x", depth=7)
    assert parse(render_post(seven)).text.strip() == "x"
    assert len(parse(render_post(seven)).find_all(cls="bb-align-center")) == 7
    assert nesting_problem(seven) is None


# --- members --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[user=5]@bob[/user]", p(member(5, "@bob"))),
        ("[USER=123]@Some Name[/USER]", p(member(123, "@Some Name"))),
        ('[user="7"]Ann[/user]', p(member(7, "Ann"))),
        ("[user=007]Bond[/user]", p(member(7, "Bond"))),
        ("[user=5][b]bold[/b] name[/user]", p(member(5, "<strong>bold</strong> name"))),
        ("hi [user=5]Ann[/user]!", p(f"hi {member(5, 'Ann')}!")),
        # A label that looks like another address shows where the link really goes.
        ("[user=5]https://evil.example[/user]", p(member(5, "/members/5/"))),
    ],
)
def test_member_links(source: str, html: str) -> None:
    check(source, html)


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[user]Ann[/user]", p("Ann")),
        ("[user=]Ann[/user]", p("Ann")),
        ("[user=0]Ann[/user]", p("Ann")),
        ("[user=abc]Ann[/user]", p("Ann")),
        ("[user=-5]Ann[/user]", p("Ann")),
        ("[user=5.5]Ann[/user]", p("Ann")),
        ("[user=1234567890123456789]Ann[/user]", p("Ann")),
        ("[user=1 onmouseover=alert(1)]Ann[/user]", p("Ann")),
        ('[user="1" onmouseover="alert(1)"]Ann[/user]', p("Ann")),
        ("[user=javascript:alert(1)]Ann[/user]", p("Ann")),
        ("[user=/evil]Ann[/user]", p("Ann")),
        # No link inside a link: the name alone.
        (
            "[url=https://a.example][user=5]Ann[/user][/url]",
            p(f'<a href="https://a.example" {REL}>Ann</a>'),
        ),
        # Nothing to click: the tag stays visible.
        ("[user=5][/user]", p("[user=5][/user]")),
        ("[user=5] [/user]", p("[user=5] [/user]")),
    ],
)
def test_member_tags_without_a_usable_id(source: str, html: str) -> None:
    check(source, html)


# --- media ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # XenForo's form: the provider and the video's id.
        ("[media=youtube]dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        ("[MEDIA=YouTube] dQw4w9WgXcQ [/MEDIA]", p(video(YT, "YouTube"))),
        ("[media=youtube]dQw4w9WgXcQ:43[/media]", p(video(f"{YT}&amp;t=43s", "YouTube"))),
        ("[media=youtube]dQw4w9WgXcQ:soon[/media]", p(video(YT, "YouTube"))),
        ("[media=vimeo]76979871[/media]", p(video("https://vimeo.com/76979871", "Vimeo"))),
        (
            "[media=dailymotion]x7tgad0[/media]",
            p(video("https://www.dailymotion.com/video/x7tgad0", "Dailymotion")),
        ),
        ("[media=youtube]https://youtu.be/dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        # An address.
        ("[media]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        ("[media]http://youtube.com/watch?v=dQw4w9WgXcQ&x=1[/media]", p(video(YT, "YouTube"))),
        ("[media]https://m.youtube.com/watch?v=dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        ("[media]https://music.youtube.com/watch?v=dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        (
            "[media]https://youtu.be/dQw4w9WgXcQ?t=20[/media]",
            p(video(f"{YT}&amp;t=20s", "YouTube")),
        ),
        ("[media] https://youtu.be/dQw4w9WgXcQ [/media]", p(video(YT, "YouTube"))),
        ("[media]https://www.youtube.com/shorts/dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        ("[media]https://www.youtube.com/embed/dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        ("[media]https://www.youtube.com/live/dQw4w9WgXcQ[/media]", p(video(YT, "YouTube"))),
        (
            "[media]https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ[/media]",
            p(video(YT, "YouTube")),
        ),
        (
            "[media]https://vimeo.com/76979871[/media]",
            p(video("https://vimeo.com/76979871", "Vimeo")),
        ),
        (
            "[media]https://vimeo.com/channels/staffpicks/76979871[/media]",
            p(video("https://vimeo.com/76979871", "Vimeo")),
        ),
        (
            "[media]https://player.vimeo.com/video/76979871[/media]",
            p(video("https://vimeo.com/76979871", "Vimeo")),
        ),
        (
            "[media]https://www.dailymotion.com/video/x7tgad0_some-title[/media]",
            p(video("https://www.dailymotion.com/video/x7tgad0", "Dailymotion")),
        ),
        (
            "[media]https://dai.ly/x7tgad0[/media]",
            p(video("https://www.dailymotion.com/video/x7tgad0", "Dailymotion")),
        ),
        # Any other web address is an ordinary link.
        (
            "[media]https://example.com/v.mp4[/media]",
            p(f'<a href="https://example.com/v.mp4" {REL}>https://example.com/v.mp4</a>'),
        ),
        (
            "[media]https://www.youtube.com/watch?v=short[/media]",
            p(
                '<a href="https://www.youtube.com/watch?v=short" '
                f"{REL}>https://www.youtube.com/watch?v=short</a>"
            ),
        ),
    ],
)
def test_media_is_a_link_to_the_provider(source: str, html: str) -> None:
    check(source, html)


@pytest.mark.parametrize(
    "source",
    [
        "[media=twitter]12345[/media]",
        "[media=facebook]https://facebook.com/x[/media]",
        "[media=youtube]short[/media]",
        "[media=youtube]dQw4w9WgXcQQ[/media]",
        "[media=vimeo]abc[/media]",
        "[media=vimeo]https://youtu.be/dQw4w9WgXcQ[/media]",
        "[media=youtube][/media]",
        "[media][/media]",
        "[media]not a link[/media]",
        "[media]/threads/1/[/media]",
        "[media]mailto:a@b.example[/media]",
        "[media]javascript:alert(1)[/media]",
        "[media]data:text/html,x[/media]",
        "[media=javascript]alert(1)[/media]",
        "[url=https://a.example][media=youtube]dQw4w9WgXcQ[/media][/url]",
    ],
)
def test_media_that_cannot_be_linked_stays_visible_as_typed(source: str) -> None:
    html = render_post(source)
    assert_inert(html)
    assert not parse(html).find_all(cls="bb-media")
    # Every character of the tag is still shown (an outer [url=] keeps its own link).
    assert parse(html).text.strip() == re.sub(r"\[/?url[^\]]*\]", "", source)


def test_media_is_never_an_embed() -> None:
    html = render_post("[media=youtube]dQw4w9WgXcQ[/media]\n\n[media]https://vimeo.com/1[/media]")
    tags = {node.tag for node in parse(html).descendants()}
    assert tags == {"p", "a"}


# --- everything else stays visible ----------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # [font] keeps its text.
        ("[font=Arial]f[/font]", p("f")),
        ('[FONT="Comic Sans MS"]f[/FONT]', p("f")),
        # Tags Parley does not know stay as typed.
        ("[foo]bar[/foo]", p("[foo]bar[/foo]")),
        ("[heading=1]Title[/heading]", p("[heading=1]Title[/heading]")),
        ("[attach]123[/attach]", p("[attach]123[/attach]")),
        ("[table][tr][td]x[/td][/tr][/table]", p("[table][tr][td]x[/td][/tr][/table]")),
        ("[ispoiler]x[/ispoiler]", p("[ispoiler]x[/ispoiler]")),
        ("[plain][b]x[/b][/plain]", p("[plain]<strong>x</strong>[/plain]")),
        # Unbalanced and misnested tags: only matched pairs become elements.
        ("[color=red]open", p("[color=red]open")),
        ("close[/size]", p("close[/size]")),
        ("[center]open", p("[center]open")),
        ("[/center]", p("[/center]")),
        ("[user=5]open", p("[user=5]open")),
        ("[media=youtube]dQw4w9WgXcQ", p("[media=youtube]dQw4w9WgXcQ")),
        (
            "[color=red]a[size=4]b[/color]c[/size]",
            p(span("bb-color-red", "a[size=4]b") + "c[/size]"),
        ),
        ("[center][b]x[/center][/b]", div("bb-align-center", p("[b]x")) + p("[/b]")),
        # An escaped tag is text.
        ("\\[color=red]x[/color]", p("[color=red]x[/color]")),
    ],
)
def test_other_tags_stay_visible(source: str, html: str) -> None:
    check(source, html)


# --- hostile input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[color=red;background:url(javascript:alert(1))]x[/color]", p("x")),
        ("[size=99999]x[/size]", p("x")),
        ("[user=1 onmouseover=alert(1)]x[/user]", p("x")),
        (
            '[media=youtube]"><script>alert(1)</script>[/media]',
            p('[media=youtube]"&gt;&lt;script&gt;alert(1)&lt;/script&gt;[/media]'),
        ),
        (
            "[media]https://youtu.be/dQw4w9WgXcQ<svg onload=alert(1)>[/media]",
            # Not a video address: an ordinary link, like [url], with the address escaped.
            p(
                '<a href="https://youtu.be/dQw4w9WgXcQ%3Csvg%20onload=alert(1)%3E" '
                f"{REL}>https://youtu.be/dQw4w9WgXcQ&lt;svg onload=alert(1)&gt;</a>"
            ),
        ),
        (
            '[media]https://www.youtube.com/watch?v=dQw4w9WgXcQ&t="><script>[/media]',
            p(video(YT, "YouTube")),
        ),
        (
            "[color=red][center][size=7][user=1][b]x[/center][/user][/b][/size][/color]",
            p(
                span(
                    "bb-color-red",
                    span("bb-align-center", "[size=7][user=1][b]x") + "[/user][/b][/size]",
                )
            ),
        ),
        (
            "[color=red]<script>alert(1)</script>[/color]",
            p(span("bb-color-red", "&lt;script&gt;alert(1)&lt;/script&gt;")),
        ),
    ],
)
def test_hostile_arguments_stay_inert(source: str, html: str) -> None:
    check(source, html)


@pytest.mark.parametrize(
    "source",
    [
        "[center]\n[quote]\n[indent]<script>\n[/center]\n[/quote]",
        "[indent=2][list][*][center]a[*]b[/center][/list][/indent]",
        "[color=red]" * 30 + "[center]x" + "[/color]" * 30 + "[/center]",
        "[size=7]" * 25 + "x" + "[/size]" * 25,
        "[user=1]" * 5 + "x" + "[/user]" * 5,
        "[media]" * 5 + "https://youtu.be/dQw4w9WgXcQ" + "[/media]" * 5,
        "[center][right][left][justify][indent=3]x[/indent][/justify][/left][/right][/center]",
    ],
)
def test_nested_and_unbalanced_extras_stay_inert(source: str) -> None:
    html = render_post(source)
    assert_inert(html)
    assert sanitise_html(html) == html


# --- the sanitiser allows exactly the vocabulary ---------------------------------


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ('<span class="bb-color-red">x</span>', '<span class="bb-color-red">x</span>'),
        (
            '<span class="bb-size-7 bb-color-red">x</span>',
            '<span class="bb-size-7 bb-color-red">x</span>',
        ),
        ('<span class="bb-color-red page-title">x</span>', '<span class="bb-color-red">x</span>'),
        ('<span class="bb-color-nosuch">x</span>', "<span>x</span>"),
        ('<span class="bb-size-8">x</span>', "<span>x</span>"),
        ('<span class="bb-indent-4">x</span>', "<span>x</span>"),
        ('<span class="block">x</span>', "<span>x</span>"),
        ('<span style="color: red">x</span>', "<span>x</span>"),
        ('<span class="bb-media">x</span>', "<span>x</span>"),
        ('<div class="bb-align-center">x</div>', '<div class="bb-align-center">x</div>'),
        ('<div class="bb-indent-3">x</div>', '<div class="bb-indent-3">x</div>'),
        ('<div class="bb-color-red">x</div>', "<div>x</div>"),
        ('<div class="bb-size-4">x</div>', "<div>x</div>"),
        (
            '<a href="https://a.example/" class="bb-media">x</a>',
            f'<a href="https://a.example/" class="bb-media" {REL}>x</a>',
        ),
        ('<a href="/x" class="bb-color-red">x</a>', f'<a href="/x" {REL}>x</a>'),
        ('<a href="/x" class="button">x</a>', f'<a href="/x" {REL}>x</a>'),
        ('<p class="bb-align-center">x</p>', "<p>x</p>"),
    ],
)
def test_sanitiser_allows_only_the_extras_classes(html: str, kept: str) -> None:
    assert sanitise_html(html) == kept


# --- text, excerpts and the empty-post check ---------------------------------------


def test_excerpts_and_visible_content() -> None:
    assert plain_text(render_post("[color=red]Hi[/color] [user=5]@Ann[/user]")) == "Hi @Ann"
    assert plain_text(render_post("[media=youtube]dQw4w9WgXcQ[/media]")) == (
        f"Video on YouTube: {YT}"
    )
    assert has_visible_content(render_post("[media=youtube]dQw4w9WgXcQ[/media]"))
    for empty in (
        "[center][/center]",
        "[color=red][/color]",
        "[size=7] [/size]",
        "[indent][/indent]",
    ):
        assert not has_visible_content(render_post(empty)), empty


# --- the stylesheet has a rule for every class, readable in the dark scheme ---------


def _section(css: str) -> str:
    start = css.index("/* --- BBCode extras --- */")
    return css[start : css.index("/* --- end of BBCode extras --- */", start)]


def _properties(css: str) -> dict[str, str]:
    return dict(re.findall(r"--(bb-[a-z]+):\s*([^;]+);", css))


def test_every_class_has_a_rule_in_parley_css() -> None:
    css = _section((STATIC / "parley.css").read_text())
    light = _properties(css)
    for name, value in PALETTE.items():
        assert light[f"bb-{name}"] == value
        assert f".bb-color-{name} {{ color: var(--bb-{name}); }}" in css
    for step in SIZE_PX:
        assert re.search(rf"\.bb-size-{step} \{{ font-size: [.0-9]+em; \}}", css)
    for cls in ("bb-align-left", "bb-align-center", "bb-align-right", "bb-align-justify"):
        assert re.search(rf"\.{cls} \{{ text-align: {cls.rsplit('-', 1)[1]}; \}}", css)
    for level in (1, 2, 3):
        assert f".bb-indent-{level} {{ margin-inline-start: {2 * level}em; }}" in css
    assert ".bb-media {" in css


def _luminance(hex_value: str) -> float:
    channels = [int(hex_value[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_colour_reads_on_the_dark_schemes_panels() -> None:
    dark_css = (STATIC / "dark.css").read_text()
    theme = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", dark_css))
    dark = _properties(dark_css)
    light = _properties(_section((STATIC / "parley.css").read_text()))
    backgrounds = [theme[name] for name in ("panel", "panel-alt", "quote-bg", "code-bg")]
    for name in PALETTE:
        value = dark.get(f"bb-{name}", light[f"bb-{name}"])
        value = theme[value[6:-1]] if value.startswith("var(--") else value
        worst = min(_contrast(value, bg) for bg in backgrounds)
        assert worst >= 4.5, (name, value, round(worst, 2))
    assert dark["bb-black"] == "var(--ink)"  # black text is the reader's ordinary text
