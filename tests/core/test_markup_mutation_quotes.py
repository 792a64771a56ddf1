"""Who a [quote] says it quotes, exactly: the quoted name and the post it links to, from quoted
arguments that end early, never end, or are empty. A reader trusts "Ann said:" and its link.
(Holes found by `make mutation TARGET=markup`.)

Plain pytest; no Django needed."""

from __future__ import annotations

import pytest

from parley.core.markup import render_post

BODY = '<div class="bbquote-body">\n<p>x</p>\n</div></blockquote>\n'


def quoted(author: str, head: str) -> str:
    head = f'<div class="bbquote-head">{head}</div>'
    return f'<blockquote class="bbquote" data-author="{author}">{head}'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # The name ends at the first matching quote mark; phpBB's post_id may follow at once.
        (
            '[quote="Ann"post_id=5]x[/quote]',
            quoted("Ann", '<a href="/posts/5/" rel="nofollow ugc noopener">Ann said:</a>') + BODY,
        ),
        ('[quote="A""B"]x[/quote]', quoted("A", "A said:") + BODY),
        ('[quote="a"]x[/quote]', quoted("a", "a said:") + BODY),
        # A quote mark that never closes is dropped, and everything after it is the name.
        ('[quote="Ann post_id=7]x[/quote]', quoted("Ann post_id=7", "Ann post_id=7 said:") + BODY),
        # An empty name is no attribution at all.
        ('[quote=""]x[/quote]', '<blockquote class="bbquote">' + BODY),
    ],
)
def test_quote_attribution(source: str, html: str) -> None:
    assert render_post(source) == html
