"""`{% presence_block block %}`: prints a presence block the view read (`presence.blocks`), in
the page so it shows without JavaScript; htmx then refreshes it by polling its fragment URL.
Rendering only: the tag reads nothing and stores no visit."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from parley.activity.presence import blocks
from parley.activity.presence.blocks import Block
from parley.core.page_cache import LIVE_END, LIVE_START

register = template.Library()


@register.simple_tag(takes_context=True)
def presence_block(context: template.Context, block: Block | None) -> SafeString:
    if block is None:
        return SafeString("")
    # Marked as the page's live region: a guest page served from the cache gets it afresh.
    html = blocks.render(context.get("request"), block)
    return SafeString(LIVE_START + html + LIVE_END)
