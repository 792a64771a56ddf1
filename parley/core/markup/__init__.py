"""Post markup: markdown + BBCode -> sanitised HTML (no Django dependency).

Posts are rendered once, at write time; the stored HTML is displayed with
``mark_safe``, so everything returned by :func:`render_post` is inert.
"""

from .quotes import MAX_QUOTE_DEPTH, quote_source
from .render import (
    MAX_NESTING,
    RENDERER_VERSION,
    TOO_DEEP_MESSAGE,
    excerpt,
    nesting_problem,
    plain_text,
    render_post,
)
from .sanitise import clean_control_chars
from .visible import has_visible_content, visible_length

__all__ = [
    "MAX_NESTING",
    "MAX_QUOTE_DEPTH",
    "RENDERER_VERSION",
    "TOO_DEEP_MESSAGE",
    "clean_control_chars",
    "excerpt",
    "has_visible_content",
    "nesting_problem",
    "plain_text",
    "quote_source",
    "render_post",
    "visible_length",
]
