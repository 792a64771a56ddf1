"""Excerpts read only the start of a long post, cut between tags: never half a word, an entity
or a tag."""

from __future__ import annotations

from parley.core.markup import plain_text, render_post
from parley.feeds.excerpts import HTML_READ_CHARS, excerpt_of


def test_a_short_post_is_read_whole() -> None:
    html = render_post("Fish &amp; chips, **hot**.\n\n[quote=Bob]Left out[/quote]\n\nThe end.")
    assert excerpt_of(html, 200) == plain_text(html, 200) == "Fish & chips, hot. The end."


def test_a_long_post_is_cut_after_a_tag() -> None:
    paragraph = "Tom &amp; Jerry " * 12 + "and Spike"
    html = render_post("\n\n".join([paragraph] * 200))
    assert len(html) > HTML_READ_CHARS
    assert plain_text(html[:HTML_READ_CHARS]).endswith(" Jerr")  # what a blind cut would give
    text = excerpt_of(html, 100_000)  # longer than what is read: the cut shows at the end
    assert text.endswith("Tom & Jerry and Spike")
    assert "&amp" not in text and "<" not in text
    assert len(text) > HTML_READ_CHARS // 2
    assert excerpt_of(html, 50) == plain_text(html, 50)
