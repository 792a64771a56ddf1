"""Feed HTML is hostile: it is reduced to plain text here, and that text is escaped so the board's
renderer (Markdown + BBCode) shows it literally. Nothing of the feed's markup survives: no tag,
attribute or link of its own; the only link in an imported post is the entry's own address,
checked like any source link, written by us. The body then goes through the posting services,
which render and sanitise it once, as for any post."""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser

from parley.core.markup import clean_control_chars

# Their content is never text a reader should see.
SKIPPED = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "head",
        "title",
        "select",
        "textarea",
        "button",
        "form",
    ]
)
BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "pre",
        "hr",
        "dd",
        "dt",
        "dl",
    ]
)
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\s*\n\s*")
_PUNCTUATION = frozenset(string.punctuation)
MAX_SUMMARY_CHARS = 20_000  # well under a post's limit, with room for the source line


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_paragraphs(html: str) -> list[str]:
    """The visible text of feed HTML (or plain text), one string per block, whitespace tidied."""
    parser = _Text()
    parser.feed(clean_control_chars(html))
    parser.close()
    text = _SPACES.sub(" ", "".join(parser.parts))
    return [p.strip() for p in _BREAKS.split(text) if p.strip()]


def html_to_line(html: str) -> str:
    """Feed HTML or text as one line (headlines, source names)."""
    return " ".join(" ".join(html_to_paragraphs(html)).split())


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with "…" when anything was cut."""
    if len(text) <= limit:
        return text
    head = text[: max(limit - 1, 1)]
    if " " in head[len(head) // 2 :]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-") + "…"


def escape(text: str) -> str:
    """Text the renderer shows as typed: every ASCII punctuation character backslash-escaped
    (CommonMark's escapes; BBCode's brackets included)."""
    return "".join(f"\\{ch}" if ch in _PUNCTUATION else ch for ch in text)


def summary_text(html: str, limit: int = 0) -> list[str]:
    """The summary's paragraphs, its first `limit` characters only when `limit` is set."""
    paragraphs = html_to_paragraphs(html)
    budget = limit if limit > 0 else MAX_SUMMARY_CHARS
    kept: list[str] = []
    for paragraph in paragraphs:
        if budget <= 0:
            break
        if len(paragraph) > budget:
            kept.append(cut(paragraph, budget))
            break
        kept.append(paragraph)
        budget -= len(paragraph)
    return kept


def link_markup(label: str, url: str) -> str:
    """A Markdown link to a checked http(s) address, its label shown as typed."""
    safe_url = url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"[{escape(label)}](<{safe_url}>)"


def story_body(*, summary_html: str, limit: int, source_name: str, link: str, title: str) -> str:
    """A news thread's first post: the summary as text, then where to read the rest."""
    paragraphs = [escape(p) for p in summary_text(summary_html, limit)]
    if link:
        paragraphs.append(f"Continue reading at {link_markup(source_name or link, link)}")
    return "\n\n".join(paragraphs) or escape(title)


def also_reported_body(*, source_name: str, link: str, title: str, summary_html: str) -> str:
    """The reply that adds another outlet's report of a story to its thread."""
    who = link_markup(source_name, link) if link else escape(source_name)
    lines = [f"Also reported by {who}: **{escape(title)}**"]
    summary = summary_text(summary_html, 300)
    if summary:
        lines.append(escape(" ".join(summary)))
    return "\n\n".join(lines)
