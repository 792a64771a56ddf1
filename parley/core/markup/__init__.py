"""Post markup: markdown + BBCode -> sanitised HTML (no Django dependency).

Posts are rendered once, at write time; the stored HTML is displayed with
``mark_safe``, so everything returned by :func:`render_post` is inert.
"""

from .quotes import MAX_QUOTE_DEPTH, quote_source
from .render import RENDERER_VERSION, excerpt, plain_text, render_post
from .sanitise import clean_control_chars

__all__ = [
    "MAX_QUOTE_DEPTH",
    "RENDERER_VERSION",
    "clean_control_chars",
    "excerpt",
    "plain_text",
    "quote_source",
    "render_post",
]
