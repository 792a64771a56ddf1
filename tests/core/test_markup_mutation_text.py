"""The plain text of a post (excerpts in listings and previews) and the body a "Quote" button
puts in the reply box, exactly: quotes and spoiler bodies left out however they nest, words kept
apart by block boundaries only, cuts at a word boundary unless that loses too much; quoting drops
every quote in the body (nested ones too), leaves code alone and defuses stray tags. (Holes found
by `make mutation TARGET=markup`.)

Plain pytest; no Django needed."""

from __future__ import annotations

import pytest

from parley.core.markup import excerpt, plain_text, quote_source


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("[quote]a [quote]b[/quote] c[/quote] after", "after"),
        ("[quote=Bob]q[/quote][spoiler=S]s[/spoiler]tail", "Spoiler: S tail"),
        ("[spoiler=Title]secret[/spoiler] visible", "Spoiler: Title visible"),
        ("[spoiler]a[spoiler]b[/spoiler]c[/spoiler] d", "Spoiler Spoiler d"),
        # Inline formatting does not split a word; blocks do.
        ("a**b**c", "abc"),
        ("para one\n\npara two", "para one para two"),
        ("[list][*]one[*]two[/list]", "one two"),
        ("# Head\ntext", "Head text"),
        ("| a | b |\n|---|---|\n| c | d |", "a b c d"),
        ("line one  \nline two", "line one line two"),
        ("```\ncode\n```\nafter", "code after"),
    ],
)
def test_excerpt_text(source: str, text: str) -> None:
    assert excerpt(source) == text


@pytest.mark.parametrize(
    ("source", "length", "text"),
    [
        ("abcdef", 6, "abcdef"),  # fits exactly
        ("abcdef", 5, "abcd…"),
        ("abcdef", 2, "a…"),
        ("abcdef", 1, "…"),
        ("abcdef", 0, ""),
        ("abc def ghi jkl", 10, "abc def…"),
        # The last word boundary that keeps more than half...
        ("aaaaaaaaaaaa bb cc dd ee", 20, "aaaaaaaaaaaa bb cc…"),
        # ...and none when that would lose more than half.
        ("aaaaaaaa bbbbbbbbbbbbbbbbbbbb", 20, "aaaaaaaa bbbbbbbbbb…"),
        # Punctuation is not left dangling before the ellipsis, only at the end.
        ("abcdefghij, klmnopqrstu", 12, "abcdefghij…"),
        (".abcdefghijkl mnop", 12, ".abcdefghij…"),
        # A boundary at exactly half is not taken.
        ("abcde fghij", 10, "abcde fgh…"),
        # Only punctuation and spaces are trimmed before the ellipsis, not letters.
        ("ABCDEFGHIX today", 11, "ABCDEFGHIX…"),
    ],
)
def test_excerpt_length(source: str, length: int, text: str) -> None:
    assert excerpt(source, length) == text


def test_an_excerpt_is_200_characters_unless_told() -> None:
    assert excerpt("x" * 200) == "x" * 200
    assert excerpt("x" * 201) == "x" * 199 + "…"


def quoting(body: str) -> str:
    """The body the Quote button puts in the reply box."""
    quoted = quote_source(author_name="Bob", post_id=1, member_id=None, body_source=body)
    head, tail = '[quote="Bob, post: 1"]\n', "\n[/quote]\n"
    assert quoted.startswith(head) and quoted.endswith(tail), quoted
    return quoted[len(head) : -len(tail)]


@pytest.mark.parametrize(
    ("body", "quoted"),
    [
        ("a [quote]x[/quote] b [quote]y[/quote] c", "a  b  c"),
        ("[quote]x [quote]y[/quote][/quote] mid [quote]z[/quote] end", "mid  end"),
        ("[quote]a[/quote][quote]b[/quote]c", "c"),
        (
            "[code][quote]not a quote[/quote][/code] after [quote]x[/quote] end",
            "[code][quote]not a quote[/quote][/code] after  end",
        ),
        ("a [/quote] b [code] c", "a \\[/quote] b \\[code] c"),
        ("[code]x[/code] [/quote]", "[code]x[/code] \\[/quote]"),
        ("[quote]x [/code] y[/quote] z", "z"),
        ("[quote]q [code]c[/quote] tail", "tail"),
        ("a\n\n\n\nb", "a\n\nb"),
        # Stray tags after a removed quote are defused too, and only those outside it.
        ("[quote]a[/quote][code]", "\\[code]"),
        ("[quote]a[/quote] [quote] b", "\\[quote] b"),
        ("[quote]a[/quote][spoiler] [/quote]", "[spoiler] \\[/quote]"),
        ("[spoiler][quote]a[/quote][/spoiler][/quote]", "[spoiler][/spoiler]\\[/quote]"),
    ],
)
def test_quoting_a_post(body: str, quoted: str) -> None:
    assert quoting(body) == quoted


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        # A summary inside a summary: the spoiler's body starts after the outer one ends.
        ("<details><summary>S<summary>T</summary>U</summary>body</details> after", "S T U after"),
    ],
)
def test_plain_text(html: str, text: str) -> None:
    assert plain_text(html) == text
