"""Deeply nested markup never crashes the renderer, never loses words, and is reported.

Plain pytest; like the renderer itself, this needs no Django.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from parley.core.markup import TOO_DEEP_MESSAGE, nesting_problem, render_post
from tests.core.parsed import parse

DEEP = 400  # the issue's depth: "[color=red]" * 400 is a 7.6 KB post


def nested(open_tag: str, close_tag: str, inner: str = "core words", depth: int = DEEP) -> str:
    return open_tag * depth + inner + close_tag * depth


def shown_text(source: str) -> str:
    """Every word a reader of the rendered post sees (quotes included), spaces collapsed."""
    return " ".join(parse(render_post(source)).text.split())


@contextmanager
def stack_headroom(frames: int) -> Iterator[None]:
    """Only `frames` more Python frames may be used: a renderer that recursed once per nesting
    level would need thousands for these inputs, so this proves the stack use is bounded
    (a worker's request already sits some hundred frames deep when it renders)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


INLINE_TAGS = [
    ("[color=red]", "[/color]"),
    ("[url=https://example.org/]", "[/url]"),
    ("[size=4]", "[/size]"),
    ("[font=Arial]", "[/font]"),
    ("[center]", "[/center]"),
    ("[left]", "[/left]"),
    ("[right]", "[/right]"),
    ("[indent]", "[/indent]"),
    ("[b]", "[/b]"),
    ("[url=https://example.org/][color=red]", "[/color][/url]"),
    ("[email=a@example.org][size=2]", "[/size][/email]"),
]


def test_the_issue_post_is_7_6_kb():
    assert len(nested("[color=red]", "[/color]", "x")) == 7601


@pytest.mark.parametrize(("open_tag", "close_tag"), INLINE_TAGS)
def test_inline_tags_nested_400_deep_render_and_keep_the_words(open_tag, close_tag):
    source = nested(open_tag, close_tag)
    html = render_post(source)
    assert "core words" in parse(html).text
    assert nesting_problem(source) == TOO_DEEP_MESSAGE


def test_tags_past_the_limit_stay_literal_so_nothing_is_lost():
    source = nested("[color=red]", "[/color]", "inner", depth=40)
    text = shown_text(source)
    assert "inner" in text
    assert "[color=red]" in text and "[/color]" in text  # the part too deep to apply shows as typed


def test_markdown_quotes_past_the_limit_are_flattened_not_dropped():
    source = ">" * 30 + " deep words\n\nafter the quote"
    text = shown_text(source)
    assert "deep words" in text
    assert "after the quote" in text
    assert nesting_problem(source) == TOO_DEEP_MESSAGE


def test_markdown_lists_past_the_limit_are_flattened_not_dropped():
    source = "".join("  " * i + f"- item{i}\n" for i in range(30)) + "\nafter the list"
    text = shown_text(source)
    for i in range(30):
        assert f"item{i}" in text
    assert "after the list" in text
    assert nesting_problem(source) == TOO_DEEP_MESSAGE


@pytest.mark.parametrize(
    "source",
    [
        "> " * DEEP + "x",
        "- " * DEEP + "x",
        "1. " * DEEP + "x",
        "> - [quote]\n" * 100 + "x",
        nested("[spoiler]\n", "\n[/spoiler]"),
        nested("[list][*]", "[/list]"),
        nested("[quote]\n", "\n[/quote]"),
        nested("[", "](/a)"),
        nested("![", "](https://example.org/i.png)"),
        nested("![[color=red]", "[/color]](https://example.org/i.png)", depth=300),
        nested("[[size=2]", "[/size]](/a)", depth=300),
        nested("[url=https://example.org/][b][color=red]", "[/color][/b][/url]"),
        nested("*", "*", depth=5000),
        nested("**", "**", depth=2000),
        nested("~~", "~~", depth=2000),
    ],
)
def test_any_nesting_renders_within_a_bounded_stack(source):
    with stack_headroom(400):
        html = render_post(source)
        nesting_problem(source)
    assert html


def test_a_spoiler_or_list_too_deep_to_open_is_reported():
    source = nested("[spoiler]\n", "\n[/spoiler]", "hidden", depth=8)
    assert "hidden" in shown_text(source)
    assert nesting_problem(source) == TOO_DEEP_MESSAGE


@pytest.mark.parametrize(
    "source",
    [
        "Just **words** with [b]tags[/b] and [url=https://example.org/]a link[/url].",
        ">" * 5 + " a quote of a quote",
        "- a\n  - b\n    - c\n      - d",
        nested("[color=red]", "[/color]", depth=10),
        nested("[b][i]", "[/i][/b]", depth=5),
        # Quotes of quotes are elided past MAX_QUOTE_DEPTH on purpose: not a problem to report.
        nested('[quote="A, post: 1"]\n', "\n[/quote]", depth=10),
    ],
)
def test_ordinary_nesting_is_not_a_problem(source):
    assert nesting_problem(source) is None
