"""Whether text shows anything: a title of zero-width spaces, or a body of `[b][/b]`, would
otherwise pass a length check and publish an empty, unclickable row or post.

Text is NFKC-normalised, then what a reader cannot see is left out of the count: whitespace,
control, format (zero-width spaces and joiners, soft hyphens, bidi marks), private-use,
unassigned and surrogate code points, combining marks standing alone, and the few letters and
symbols fonts draw as blank (Hangul fillers, the braille blank)."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

# Categories: Z* separators, C* control/format/surrogate/private/unassigned, M* marks.
_INVISIBLE_CATEGORIES = frozenset(
    {"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Mc"}
)
# Assigned as letters or symbols, drawn as nothing.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _visible(char: str) -> bool:
    return char not in _BLANK_GLYPHS and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def visible_length(text: str) -> int:
    """How many characters of `text` a reader sees."""
    return sum(1 for char in unicodedata.normalize("NFKC", text) if _visible(char))


class _Content(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False
        self.in_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":  # a picture is content, with or without words
            self.found = True
        elif tag == "summary":
            self.in_summary = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "summary":
            self.in_summary = False

    def handle_data(self, data: str) -> None:
        # A spoiler's "Spoiler" button is the renderer's label, not what the member wrote.
        if not self.in_summary and visible_length(data):
            self.found = True


def has_visible_content(html: str) -> bool:
    """Whether rendered post HTML shows any text (quotes and spoiler bodies included) or a
    picture."""
    parser = _Content()
    parser.feed(html)
    parser.close()
    return parser.found
