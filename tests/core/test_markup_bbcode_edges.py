"""Edges of the extra BBCode that a mutation run found unpinned: the lowest member id and indent
step, a YouTube link's start time and a watch link without a video, and hex colours chosen so
that each term of the colour distance decides which palette colour they snap to."""

from __future__ import annotations

from django.test import SimpleTestCase

from parley.core.markup import render_post

# Each is the palette colour nearest to the hex by the "redmean" distance; every one of these
# would snap elsewhere if a weight, a channel or the mean in that distance were different.
SNAPPED = [
    ("#03cdc9", "turquoise"),
    ("#0e71e0", "royalblue"),
    ("#3daad8", "cornflowerblue"),
    ("#4ae38c", "mediumturquoise"),
    ("#4f8c3a", "seagreen"),
    ("#c95756", "chocolate"),
    ("#f57cce", "violet"),
    ("#f1c26b", "sandybrown"),
]


class BBCodeEdgeTests(SimpleTestCase):
    def test_hex_colours_snap_to_the_nearest_palette_colour(self) -> None:
        got = [
            (hex_value, render_post(f"[color={hex_value}]x[/color]")) for hex_value, _ in SNAPPED
        ]
        want = [
            (hex_value, f'<p><span class="bb-color-{name}">x</span></p>\n')
            for hex_value, name in SNAPPED
        ]
        self.assertEqual(got, want)

    def test_the_first_member_and_the_first_indent_step(self) -> None:
        self.assertEqual(
            render_post("[user=1]Founder[/user]"),
            '<p><a href="/members/1/" rel="nofollow ugc noopener">Founder</a></p>\n',
        )
        self.assertEqual(render_post("[user=0]Nobody[/user]"), "<p>Nobody</p>\n")
        self.assertEqual(
            render_post("[indent=1]x[/indent]"), '<div class="bb-indent-1">\n<p>x</p>\n</div>\n'
        )

    def test_youtube_links_keep_their_start_and_need_a_video(self) -> None:
        self.assertEqual(
            render_post("[media]https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=43[/media]"),
            '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=43s" class="bb-media" '
            'rel="nofollow ugc noopener">Video on YouTube: '
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=43s</a></p>\n",
        )
        self.assertEqual(
            render_post("[media]https://www.youtube.com/watch?x=1[/media]"),
            '<p><a href="https://www.youtube.com/watch?x=1" rel="nofollow ugc noopener">'
            "https://www.youtube.com/watch?x=1</a></p>\n",
        )

    def test_media_from_another_site_is_an_ordinary_link_over_http_too(self) -> None:
        self.assertEqual(
            render_post("[media]http://news.example.org/clip/7[/media]"),
            '<p><a href="http://news.example.org/clip/7" rel="nofollow ugc noopener">'
            "http://news.example.org/clip/7</a></p>\n",
        )
        self.assertEqual(
            render_post("[media]ftp://news.example.org/clip/7[/media]"),
            "<p>[media]ftp://news.example.org/clip/7[/media]</p>\n",
        )

    def test_four_spaces_make_code_of_a_block_tag_three_do_not(self) -> None:
        self.assertEqual(
            render_post("    [quote]x[/quote]"), "<pre><code>[quote]x[/quote]\n</code></pre>\n"
        )
        self.assertEqual(
            render_post("   [quote]x[/quote]"),
            '<blockquote class="bbquote"><div class="bbquote-body">\n<p>x</p>\n</div>'
            "</blockquote>\n",
        )

    def test_a_block_tag_on_the_line_after_a_list_item_ends_the_list(self) -> None:
        self.assertEqual(
            render_post("- item\n[quote]x[/quote]"),
            '<ul>\n<li>item</li>\n</ul>\n<blockquote class="bbquote"><div class="bbquote-body">\n'
            "<p>x</p>\n</div></blockquote>\n",
        )
