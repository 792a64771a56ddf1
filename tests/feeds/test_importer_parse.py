"""Feed documents to entries (RSS 0.91, 1.0, 2.0, Atom), the hostile ones refused whole; feed
HTML to inert text; links normalised for dedupe; stories compared for grouping, with invented
headlines that match and near-misses that must not."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from parley.core.knobs import FEED_SIMILARITY_PERCENT
from parley.core.markup import render_post
from parley.feeds.importer import text
from parley.feeds.importer.dedupe import link_key, normalise_link
from parley.feeds.importer.parse import FeedError, parse_feed
from parley.feeds.importer.similarity import fingerprint, jaccard, shingles
from tests.core.parsed import parse
from tests.feeds.importer_server import (
    ATOM,
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    HOSTILE,
    MALFORMED,
    RSS1,
    RSS2,
)

RSS091 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Tessel Lock Notices</title>
<link>https://tessel-lock.example.org/</link><description>Notices</description>
<item><title>Lock closed for inspection</title>
<link>https://tessel-lock.example.org/notices/17</link>
<description>The lower gates close at noon for a diver's inspection.</description></item>
</channel></rss>
""".encode("latin-1")


def test_rss2_entries() -> None:
    feed = parse_feed(RSS2.encode())
    assert feed.title == "The Carrowmere Gazette"
    ferry, tram = feed.entries
    assert ferry.title == "Ferry crews walk out, halting all Carrowmere crossings"
    assert ferry.link.startswith("https://gazette.example.com/2026/11/ferry-strike?utm_source")
    assert ferry.guid == "gazette-20261130-ferry"
    assert ferry.published == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)
    assert ferry.summary.startswith("<p>Ferry crews on the Carrowmere line")
    assert tram.published == datetime(2026, 11, 29, 18, 40, tzinfo=UTC)


def test_rss1_entries() -> None:
    feed = parse_feed(RSS1.encode())
    assert feed.title == "Aldra Valley Almanac"
    (frost,) = feed.entries
    assert frost.title == "Late frost spares most of the valley's pear orchards"
    assert frost.link == frost.guid == "https://almanac.example.net/notes/orchard-frost"
    assert frost.published == datetime(2026, 11, 27, 20, 5, tzinfo=UTC)


def test_rss091_with_its_doctype() -> None:
    feed = parse_feed(RSS091)
    (notice,) = feed.entries
    assert (notice.title, notice.link) == (
        "Lock closed for inspection",
        "https://tessel-lock.example.org/notices/17",
    )
    assert notice.published is None


def test_atom_entries_resolve_links_against_xml_base() -> None:
    feed = parse_feed(ATOM.encode(), base_url="http://127.0.0.1:9/feeds/latest.atom")
    assert feed.title == "Meridian Wire"
    comet, port = feed.entries
    assert comet.link == "https://wire.example.org/science/ketterin-comet"
    assert comet.title == "Observatory on Mount Ketterin <em>spots</em> a new comet"
    assert comet.published == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert port.published == datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # from <updated>
    assert "three weeks of repairs" in port.summary and "<p" in port.summary  # xhtml content


def test_deeply_nested_xhtml_is_read_without_recursion() -> None:
    depth = 20_000  # far past Python's recursion limit
    document = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Deep</title><entry><title>T</title>'
        '<id>deep-1</id><summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        + '<p class="lead" onclick="x()">Lead</p>'
        + "<b>" * depth
        + "bottom &amp; &lt;out&gt;"
        + "</b>" * depth
        + "</div></summary></entry></feed>"
    )
    (entry,) = parse_feed(document.encode()).entries
    assert entry.summary.startswith("<div><p>Lead</p><b><b>")  # attributes never kept
    assert text.html_to_paragraphs(entry.summary) == ["Lead", "bottom & <out>"]


def test_a_relative_rss_link_is_made_absolute_and_other_schemes_dropped() -> None:
    document = (
        b'<rss version="2.0"><channel><title>T</title><link>https://t.example.com/news/</link>'
        b"<item><title>A</title><link>/a/1</link></item>"
        b"<item><title>B</title><link>javascript:alert(1)</link></item></channel></rss>"
    )
    a, b = parse_feed(document).entries
    assert a.link == "https://t.example.com/a/1"
    assert b.link == ""


def test_billion_laughs_is_refused_without_expanding() -> None:
    started = time.monotonic()
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(BILLION_LAUGHS.encode())
    assert time.monotonic() - started < 0.5


def test_external_entities_are_refused() -> None:
    with pytest.raises(FeedError, match="declares XML entities or external references"):
        parse_feed(EXTERNAL_ENTITY.encode())


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (MALFORMED.encode(), "not well-formed XML"),
        (b"", "not well-formed XML"),
        (
            b"<html><body>Not a feed</body></html>",
            r"Not an RSS or Atom feed \(the document is <html>\)",
        ),
        (b'<rss version="2.0"></rss>', "without a <channel>"),
    ],
)
def test_what_is_not_a_feed_is_refused(document: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(document)


# --- Hostile text -------------------------------------------------------------------------------


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every element's tag and attributes, in document order."""
    return [(node.tag, node.attrs) for node in parse(html).descendants()]


def test_a_hostile_summary_becomes_inert_text() -> None:
    (entry,) = parse_feed(HOSTILE.encode()).entries
    body = text.story_body(
        summary_html=entry.summary,
        limit=0,
        source_name="Trojan Times",
        link="https://trojan.example.com/fireworks",
        title=entry.title,
    )
    html = render_post(body)
    tags = elements(html)
    assert [tag for tag, _ in tags] == ["p", "p", "p", "a"]
    # The one link is ours, to the entry's checked address; the feed's own link is text.
    assert tags[-1][1]["href"] == "https://trojan.example.com/fireworks"
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert not any("javascript" in (value or "") for _, attrs in tags for value in attrs.values())
    assert "document.cookie" not in html and "alert(4)" not in html  # script and img gone
    assert "[url=javascript:alert(3)]here[/url]" in html  # BBCode in a feed stays text
    assert text.html_to_line(entry.title) == "Harbour fireworks moved to Saturday"


def test_escaped_text_renders_exactly_as_written() -> None:
    line = r"*Not bold* _nor_ [b]this[/b] <i>x</i> \ # 1. `code` ~~s~~ &amp; |a|"
    assert render_post(text.escape(line)) == (
        "<p>*Not bold* _nor_ [b]this[/b] &lt;i&gt;x&lt;/i&gt; \\ # 1. `code` ~~s~~ "
        "&amp;amp; |a|</p>\n"
    )


def test_the_first_n_characters_are_cut_at_a_word() -> None:
    summary = "<p>" + "word " * 100 + "</p><p>Second paragraph.</p>"
    (cut,) = text.summary_text(summary, 60)
    assert cut == "word " * 10 + "word…" and len(cut) <= 60
    assert len(text.summary_text(summary, 0)) == 2


# --- Dedupe: the same link however it is dressed ------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "https://Gazette.Example.com/2026/11/ferry-strike",
        "https://gazette.example.com/2026/11/ferry-strike/",
        "HTTPS://gazette.example.com:443/2026/11/ferry-strike#comments",
        "https://gazette.example.com/2026/11/ferry-strike?utm_source=rss&utm_medium=feed",
        "https://gazette.example.com/2026/11/ferry-strike?fbclid=IwAR0abc&UTM_Campaign=x",
    ],
)
def test_tracking_and_cosmetics_do_not_make_a_new_link(variant: str) -> None:
    assert normalise_link(variant) == "https://gazette.example.com/2026/11/ferry-strike"
    assert link_key(variant) == link_key("https://gazette.example.com/2026/11/ferry-strike")


def test_what_changes_the_page_makes_a_new_link() -> None:
    base = link_key("https://gazette.example.com/story?id=7")
    assert link_key("https://gazette.example.com/story?id=8") != base
    assert link_key("http://gazette.example.com/story?id=7") != base
    assert link_key("https://gazette.example.com:8443/story?id=7") != base
    assert normalise_link("javascript:alert(1)") == "" and link_key("mailto:a@b.c") is None


# --- Grouping: real-shaped stories (all invented) -----------------------------------------------

THRESHOLD = FEED_SIMILARITY_PERCENT.default / 100

SAME_STORY = [
    (  # a wire story with a rewritten headline and light edits
        (
            "Ferry crews walk out, halting all Carrowmere crossings",
            "Ferry crews on the Carrowmere line walked out at dawn on Tuesday, halting every "
            "crossing to the islands. The union says the strike will last 48 hours unless the "
            "operator reopens pay talks.",
        ),
        (
            "Carrowmere ferry strike halts island crossings",
            "Ferry crews on the Carrowmere line walked out at dawn on Tuesday, halting every "
            "crossing to the islands, the union said. The strike will last 48 hours unless the "
            "operator reopens pay talks, it added.",
        ),
    ),
    (  # trimmed and reordered
        (
            "Lindqvar council approves tram extension to the harbour",
            "The Lindqvar city council voted 31 to 12 on Monday night to extend the number 4 "
            "tram line to the harbour district, a project expected to cost 140 million crowns "
            "and open in 2029.",
        ),
        (
            "Council backs 140m tram line to Lindqvar harbour",
            "Lindqvar's city council voted 31 to 12 on Monday night to extend the number 4 tram "
            "line to the harbour district. The project is expected to open in 2029.",
        ),
    ),
]
NEAR_MISSES = [
    (  # the same subject, the next day's story
        (
            "Ferry crews walk out, halting all Carrowmere crossings",
            "Ferry crews on the Carrowmere line walked out at dawn on Tuesday, halting every "
            "crossing to the islands. The union says the strike will last 48 hours unless the "
            "operator reopens pay talks.",
        ),
        (
            "Carrowmere ferry operator offers crews 4% to end strike",
            "The operator of the Carrowmere ferry line offered striking crews a 4% pay rise on "
            "Wednesday, a day after a walkout halted crossings to the islands. Union leaders "
            "said they would put the offer to members.",
        ),
    ),
    (  # the same council, the same template sentence, another decision
        (
            "Lindqvar council approves tram extension to the harbour",
            "The Lindqvar city council voted 31 to 12 on Monday night to extend the number 4 "
            "tram line to the harbour district, a project expected to cost 140 million crowns "
            "and open in 2029.",
        ),
        (
            "Lindqvar council approves bike lanes on the harbour road",
            "The Lindqvar city council voted 27 to 16 on Monday night to paint protected bike "
            "lanes along the harbour road, a project expected to cost 3 million crowns and "
            "finish next spring.",
        ),
    ),
]


def similarity(a: tuple[str, str], b: tuple[str, str]) -> float:
    return jaccard(shingles(fingerprint(*a)), shingles(fingerprint(*b)))


@pytest.mark.parametrize(("first", "second"), SAME_STORY)
def test_one_story_told_twice_matches(first, second) -> None:
    assert similarity(first, second) >= THRESHOLD


@pytest.mark.parametrize(("first", "second"), NEAR_MISSES)
def test_near_misses_do_not_match(first, second) -> None:
    assert similarity(first, second) < THRESHOLD


def test_fingerprints_ignore_case_punctuation_and_filler_words() -> None:
    assert fingerprint("The FERRY, on strike!", "It is over.") == "ferry strike over"
