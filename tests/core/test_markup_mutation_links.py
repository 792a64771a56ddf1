"""Where a link really goes, as the reader is shown it, and which images are shown: the host a
browser would contact (after a user name, without the port, lower-cased, without a trailing dot,
percent-escapes decoded, IPv6 in brackets), an e-mail link's real address, and image URLs that
are absolute http(s) with a host. (Holes found by `make mutation TARGET=markup`.)

Plain pytest; no Django needed."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from parley.core.markup import render_post
from parley.core.markup.sanitise import is_safe_image


def link(href: str, text: str, after: str = "") -> str:
    return f'<p><a href="{href}" rel="nofollow ugc noopener">{text}</a>{after}</p>\n'


@pytest.mark.parametrize(
    ("href", "shown"),
    [
        ("https://user@evil.example:8080/path", "evil.example"),
        ("https://a@b@evil.example/", "evil.example"),  # the host follows the last "@"
        ("http://[2001:db8::1]:8080/x", "[2001:db8::1]"),
        ("http://[2001:db8::1]/x", "[2001:db8::1]"),
        ("https://EVIL.Example./x", "evil.example"),
        ("https://www.evil.example/x", "www.evil.example"),  # shown as it is written
        ("https://evil%2Eexample/", "evil.example"),
        ("https://evil.example?x=1", "evil.example"),
        ("https://evil.example#top", "evil.example"),
        ("https://evil.example:443", "evil.example"),
        ("HTTPS:///evil.example/a/b", "evil.example"),
    ],
)
def test_a_domain_like_text_gets_the_real_host_beside_it(href: str, shown: str) -> None:
    assert render_post(f"[paypal.com](<{href}>)") == link(href, "paypal.com", f" ({shown})")


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("bank.example", "https://www.bank.example./"),  # www. and a final dot name no other
        ("www.bank.example", "https://bank.example/"),
        ("https://Bank.example/", "https://bank.example:443/login"),
        ("http://[::1]/", "http://[::1]:8080/x"),
        ("bank.example", "https://BANK.example/x"),
        ("bank.example/login", "https://bank.example/login"),
    ],
)
def test_text_naming_the_links_own_host_is_left_alone(text: str, href: str) -> None:
    assert render_post(f"[{text}]({href})") == link(href, text)


def test_an_address_as_text_is_replaced_by_the_real_one() -> None:
    assert render_post("[https://bank.example](https://evil.example/)") == link(
        "https://evil.example/", "https://evil.example/"
    )
    # A mail address shown for a web link.
    assert render_post("[a@b.example](https://b.example/)") == link(
        "https://b.example/", "https://b.example/"
    )


@pytest.mark.parametrize(
    ("text", "href", "shown"),
    [
        # Another mailbox: the real one, lower-cased, without the query.
        ("someone@bank.example", "mailto:THEM@evil.example?subject=x", "them@evil.example"),
        ("someone@bank.example", "MAILTO:them@evil.example", "them@evil.example"),
        # The same mailbox, in any case, with or without "mailto:": left alone.
        ("Them@Evil.example", "mailto:them@evil.example?subject=hi", "Them@Evil.example"),
        ("mailto:a@b.example", "mailto:a@b.example", "mailto:a@b.example"),
        ("a@b.example", "mailto:a%40b.example", "a@b.example"),
    ],
)
def test_mail_links_show_the_real_mailbox(text: str, href: str, shown: str) -> None:
    html = render_post(f"[{text}]({href})")
    assert html.endswith(f">{shown}</a></p>\n"), html


def test_an_address_among_words_gets_the_real_host_unless_it_names_it() -> None:
    assert render_post("[log in at https://bank.example now](https://evil.example/)") == link(
        "https://evil.example/", "log in at https://bank.example now", " (evil.example)"
    )
    assert render_post("[log in at https://bank.example now](https://bank.example/x)") == link(
        "https://bank.example/x", "log in at https://bank.example now"
    )


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def images_and_text(html: str) -> tuple[list[dict[str, str | None]], str]:
    """(each image's attributes, the text); the sanitiser adds loading/decoding in any order."""
    parser = _Images()
    parser.feed(html)
    parser.close()
    return parser.images, "".join(parser.text).strip()


LAZY = {"loading": "lazy", "decoding": "async"}


@pytest.mark.parametrize(
    ("source", "images", "text"),
    [
        (
            '[img alt="A cat"]https://example.org/cat.png[/img]',
            [{"src": "https://example.org/cat.png", "alt": "A cat", **LAZY}],
            "",
        ),
        (
            '![alt *text*](https://example.org/y.png "Title")',
            [{"src": "https://example.org/y.png", "alt": "alt text", "title": "Title", **LAZY}],
            "",
        ),
        (
            "![no title](https://example.org/y.png)",
            [{"src": "https://example.org/y.png", "alt": "no title", **LAZY}],
            "",
        ),
        # Unusable images leave their description.
        ("![desc](http:///evil.png) ![d2](http://) ![d3](<http:/\\evil.png>)", [], "desc d2 d3"),
        ("![A *b*](/local.png)", [], "A b"),
        (
            "[img]https://example.org/cat.png[/img]",
            [{"src": "https://example.org/cat.png", "alt": "", **LAZY}],
            "",
        ),
        # No description is an empty alt, not a made-up one.
        (
            "![](https://example.org/y.png)",
            [{"src": "https://example.org/y.png", "alt": "", **LAZY}],
            "",
        ),
    ],
)
def test_images(source: str, images: list[dict[str, str]], text: str) -> None:
    html = render_post(source)
    assert html.startswith("<p>") and html.endswith("</p>\n"), html
    assert images_and_text(html) == (images, text)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.org/a.png", True),
        ("http://e.x", True),
        ("http://a", True),
        ("http://X.example/a.png", True),
        (" https://example.org/a.png ", True),
        ("https://", False),
        ("https:/", False),
        ("https:///evil.png", False),
        ("https://\\evil.png", False),
        ("https:\\\\evil.png", False),
        ("//example.org/a.png", False),
        ("/a.png", False),
        ("ftp://example.org/a.png", False),
        ("javascript://example.org/%0aalert(1)", False),
    ],
)
def test_which_image_addresses_are_shown(url: str, safe: bool) -> None:
    assert is_safe_image(url) is safe


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # A domain-like text on a mail link: the reader is told the mailbox it writes to.
        (
            "[bank.example](mailto:a@bank.example)",
            link("mailto:a@bank.example", "bank.example", " (a@bank.example)"),
        ),
        # Only the last ":" starts a port: "bank.example:1" is not bank.example, so the text
        # does not name the link's host and is replaced by the real address.
        (
            "[https://bank.example:1:2/x](https://bank.example/)",
            link("https://bank.example/", "https://bank.example/"),
        ),
        # A mailbox is what comes before the first "?" (case aside): this text names the link's own
        # mailbox, so it stays.
        (
            "[mailto:a@bank.example?x?y](mailto:A@bank.example)",
            link("mailto:A@bank.example", "mailto:a@bank.example?x?y"),
        ),
        # Nothing is trimmed off the host but slashes: "Xbank.example" is another host.
        (
            "[https://Xbank.example](https://bank.example/)",
            link("https://bank.example/", "https://bank.example/"),
        ),
        # A [url] without a scheme gets http:// and, with a port, still names its own host.
        ("[url]example.com:8080/x[/url]", link("http://example.com:8080/x", "example.com:8080/x")),
    ],
)
def test_whose_address_the_text_names(source: str, html: str) -> None:
    assert render_post(source) == html


def _a(href: str, text: str) -> str:
    return f'<a href="{href}" rel="nofollow ugc noopener">{text}</a>'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # Each link of a paragraph is checked against its own label, not the first link's.
        (
            "[fine](https://a.example) and [https://b.example](https://evil.example)",
            f"<p>{_a('https://a.example', 'fine')} and "
            f"{_a('https://evil.example', 'https://evil.example')}</p>\n",
        ),
        (
            "[b.example](https://evil.example/x) [c.example](https://evil.example/y)",
            f"<p>{_a('https://evil.example/x', 'b.example')} (evil.example) "
            f"{_a('https://evil.example/y', 'c.example')} (evil.example)</p>\n",
        ),
    ],
)
def test_every_link_of_a_paragraph_is_held_to_its_own_label(source: str, html: str) -> None:
    assert render_post(source) == html
