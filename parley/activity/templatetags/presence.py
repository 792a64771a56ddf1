"""`{% presence_block block %}`: prints a presence block the view read (`presence.blocks`), in
the page so it shows without JavaScript; htmx then refreshes it by polling its fragment URL.
Rendering only: the tag reads nothing and stores no visit."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from parley.activity.presence.blocks import Block

register = template.Library()


@register.simple_tag(takes_context=True)
def presence_block(context: template.Context, block: Block | None) -> SafeString:
    if block is None:
        return SafeString("")
    return render_to_string(block.template, block.context, request=context.get("request"))
