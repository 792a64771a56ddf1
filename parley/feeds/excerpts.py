"""Plain-text excerpts of stored post HTML for feeds and page heads (`core.markup.plain_text`:
no markup, quotes and spoilers left out)."""

from __future__ import annotations

from parley.core.markup import plain_text

# Only the start of a post is parsed: a 50,000-character post takes about 20 ms to parse whole,
# its first 10,000 characters a tenth of that, and they hold text enough for any excerpt but one
# after a very long opening quote.
HTML_READ_CHARS = 10_000


def excerpt_of(body_html: str, length: int) -> str:
    if len(body_html) > HTML_READ_CHARS:
        # Cut after a tag, so no text node or entity is split (a cut tag would be dropped whole).
        body_html = body_html[: body_html.rfind(">", 0, HTML_READ_CHARS) + 1]
    return plain_text(body_html, length)
