"""A link never shows one address and opens another: link text that looks like an address but
names another host is replaced by the real one (or, for a mere domain-looking name, gets the
real host beside it). Markdown links and BBCode [url=]/[email=] alike."""

from __future__ import annotations

import time

import pytest

from parley.core.markup import render_post
from tests.core.parsed import parse


def the_link(source: str) -> tuple[str, str, str]:
    """(href, text shown in the link, text right after it) of the post's only link."""
    tree = parse(render_post(source))
    (a,) = tree.find_all("a")
    return a.attrs["href"], a.text, tree.following_text(a)


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[https://bank.example/login](https://evil.example/login)", "https://evil.example/login"),
        ("[url=https://evil.example/login]https://bank.example/login[/url]", None),
        ("[www.bank.example](https://evil.example/www.bank.example)", None),
        ("[**https://bank.example**](https://evil.example/)", None),
        ("[`https://bank.example`](https://evil.example/)", None),
        # The browser goes to the host after the last "@": so does the judgement.
        ("[https://bank.example](https://bank.example@evil.example/)", None),
        ("[url=https://evil.example/]http://bank\u3002example[/url]", None),  # ideographic dot
        ("[https://bank.example](/posts/1/)", None),
    ],
)
def test_address_text_naming_another_host_shows_the_real_address(source, href):
    real, shown, _after = the_link(source)
    if href is not None:
        assert real == href
    assert shown == real


@pytest.mark.parametrize(
    "source",
    [
        "[alice@bank.example](mailto:mallory@evil.example)",
        "[email=mallory@evil.example]alice@bank.example[/email]",
    ],
)
def test_email_text_naming_another_address_shows_the_real_one(source):
    real, shown, _after = the_link(source)
    assert real == "mailto:mallory@evil.example"
    assert shown == "mallory@evil.example"


@pytest.mark.parametrize(
    ("source", "shown", "after"),
    [
        ("[bank.example](https://evil.example/)", "bank.example", " (evil.example)"),
        (
            "[url=https://www.evil.example/]bank.example[/url]",
            "bank.example",
            " (www.evil.example)",
        ),
        ("[Node.js](https://nodejs.org/)", "Node.js", " (nodejs.org)"),
        (
            "[log in at https://bank.example](https://evil.example/)",
            "log in at https://bank.example",
            " (evil.example)",
        ),
    ],
)
def test_names_that_look_like_another_host_get_the_real_host_beside_them(source, shown, after):
    _real, text, following = the_link(source)
    assert (text, following) == (shown, after)


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("[https://example.org/a](https://example.org/b)", "https://example.org/a"),
        ("[https://www.example.org](https://example.org/)", "https://www.example.org"),
        ("[example.org](https://www.example.org/docs)", "example.org"),
        ("[HTTPS://Example.ORG](https://example.org/)", "HTTPS://Example.ORG"),
        ("[https://bücher.example](https://xn--bcher-kva.example/)", "https://bücher.example"),
        ("[the docs](https://example.org/)", "the docs"),
        ("[see https://example.org/a](https://example.org/b)", "see https://example.org/a"),
        ("[url=https://example.org/]https://example.org/[/url]", "https://example.org/"),
        ("[url]https://example.org/x[/url]", "https://example.org/x"),
        ("[alice@example.org](mailto:Alice@Example.org)", "alice@example.org"),
        ("Autolinked https://example.org/x too", "https://example.org/x"),
    ],
)
def test_honest_links_are_left_as_written(source, shown):
    _real, text, following = the_link(source)
    assert text == shown
    assert not following.startswith(" (")


@pytest.mark.parametrize(
    "text",
    [
        "https://bank.example/" + "a" * 45000,
        "a" + "-" * 40000,
        "a." + "a-" * 20000,
        "https://bank.example/x " * 2400,
        "a@" * 20000,
    ],
)
def test_long_link_texts_are_judged_fast(text):
    start = time.perf_counter()
    render_post(f"[{text}](https://evil.example/)")
    render_post(f"[{text}](https://evil.example/) " * 2)
    assert time.perf_counter() - start < 5
