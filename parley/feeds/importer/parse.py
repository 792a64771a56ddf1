"""RSS 0.9x / 2.0, RSS 1.0 (RDF) and Atom documents to plain entries.

Parsed with defusedxml: a document declaring entities (billion laughs, quadratic blowup) or
pointing at external ones is refused whole, as is anything that is not well-formed XML. Entry
text stays as the feed gave it (often HTML); `importer.text` makes it safe before it is posted."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_ENTRIES = 50  # per document, newest first: more is an archive, not a feed

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RSS090 = "{http://my.netscape.com/rdf/simple/0.9/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class FeedError(Exception):
    """Not a feed this importer can read; the message is shown on the feed's admin page."""


@dataclass(frozen=True)
class Entry:
    title: str  # may hold entities or markup, as the feed sent it
    link: str  # absolute, or "" when the entry has none
    guid: str
    summary: str  # HTML or text, as the feed sent it
    published: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str
    entries: list[Entry]


def parse_feed(document: bytes, *, base_url: str = "") -> ParsedFeed:
    try:
        root = fromstring(document)
    except DefusedXmlException as exc:
        raise FeedError(
            f"The feed declares XML entities or external references, which are refused "
            f"({type(exc).__name__})."
        ) from None
    except (ParseError, ValueError) as exc:
        raise FeedError(f"The feed is not well-formed XML: {exc}.") from None
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedError("An RSS document without a <channel>.")
        return _rss(channel, channel.findall("item"), ns="", base_url=base_url)
    if root.tag == f"{RDF}RDF":
        # RSS 1.0, or Netscape's RSS 0.90 (the same shape in its own namespace).
        ns = RSS1 if root.find(f"{RSS1}channel") is not None else RSS090
        channel = root.find(f"{ns}channel")
        if channel is None:
            raise FeedError("An RSS 1.0 document without a <channel>.")
        return _rss(channel, root.findall(f"{ns}item"), ns=ns, base_url=base_url)
    if root.tag == f"{ATOM}feed":
        return _atom(root, base_url=base_url)
    raise FeedError(f"Not an RSS or Atom feed (the document is <{_local(root.tag)}>).")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _absolute(link: str, base: str) -> str:
    link = link.strip()
    if not link:
        return ""
    joined = urljoin(base, link) if base else link
    return joined if joined.lower().startswith(("http://", "https://")) else ""


def _rfc822(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return _iso(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rss(channel: Element, items: list[Element], *, ns: str, base_url: str) -> ParsedFeed:
    link = _absolute(_text(channel.find(f"{ns}link")), base_url)
    entries = []
    for item in items[:MAX_ENTRIES]:
        item_link = _absolute(_text(item.find(f"{ns}link")), link or base_url)
        guid_element = item.find("guid")
        guid = _text(guid_element) or item.get(f"{RDF}about", "")
        summary = _text(item.find(f"{ns}description")) or _text(item.find(f"{CONTENT}encoded"))
        # RSS 2.0: a GUID is a permalink unless it says isPermaLink="false".
        permalink = guid_element is not None and guid_element.get("isPermaLink", "true") != "false"
        if not item_link and permalink:
            item_link = _absolute(guid, link or base_url)
        published = _rfc822(_text(item.find("pubDate"))) or _iso(_text(item.find(f"{DC}date")))
        entries.append(
            Entry(
                title=_text(item.find(f"{ns}title")),
                link=item_link,
                guid=guid,
                summary=summary,
                published=published,
            )
        )
    return ParsedFeed(title=_text(channel.find(f"{ns}title")), link=link, entries=entries)


def _atom_link(element: Element, base: str) -> str:
    for link in element.findall(f"{ATOM}link"):
        if link.get("rel", "alternate") == "alternate":
            return _absolute(link.get("href", ""), base)
    return ""


def _atom_text(element: Element | None) -> str:
    """An Atom text construct as HTML or text; xhtml content is serialised back to markup."""
    if element is None:
        return ""
    if element.get("type") == "xhtml":
        return _xhtml_markup(element).strip()
    return _text(element)


def _xhtml_markup(element: Element) -> str:
    """The element's children as plain HTML tags and escaped text (no attributes: the markup is
    reduced to text later). Walked with a stack, not recursion: a hostile document may nest
    thousands deep."""
    out: list[str] = []
    stack: list[tuple[Element, bool]] = [(child, False) for child in reversed(list(element))]
    while stack:
        node, closing = stack.pop()
        tag = _local(node.tag) if isinstance(node.tag, str) else ""
        if closing:
            out.append(f"</{tag}>" if tag else "")
            out.append(escape(node.tail or "", quote=False))
            continue
        out.append(f"<{tag}>" if tag else "")
        out.append(escape(node.text or "", quote=False))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node)))
    return "".join(out)


def _atom(root: Element, *, base_url: str) -> ParsedFeed:
    base = urljoin(base_url, root.get(XML_BASE, "")) if base_url else root.get(XML_BASE, "")
    link = _atom_link(root, base)
    entries = []
    for entry in root.findall(f"{ATOM}entry")[:MAX_ENTRIES]:
        entry_base = urljoin(base, entry.get(XML_BASE, "")) if base else entry.get(XML_BASE, "")
        summary = _atom_text(entry.find(f"{ATOM}summary")) or _atom_text(
            entry.find(f"{ATOM}content")
        )
        published = _iso(_text(entry.find(f"{ATOM}published"))) or _iso(
            _text(entry.find(f"{ATOM}updated"))
        )
        entries.append(
            Entry(
                title=_atom_text(entry.find(f"{ATOM}title")),
                link=_atom_link(entry, entry_base),
                guid=_text(entry.find(f"{ATOM}id")),
                summary=summary,
                published=published,
            )
        )
    return ParsedFeed(title=_text(root.find(f"{ATOM}title")), link=link, entries=entries)
