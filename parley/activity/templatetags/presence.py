"""`{% presence_block block %}`: prints a presence block the view read (`presence.blocks`), in
the page so it shows without JavaScript; htmx then refreshes it by polling its fragment URL.
Rendering only: the tag reads nothing and stores no visit.

`{{ named|member_links }}`: the members a block names, as member links separated by commas."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django import template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString

from parley.accounts.templatetags.members import member_link
from parley.activity.presence import blocks
from parley.activity.presence.backends import NamedMember
from parley.activity.presence.blocks import Block
from parley.core.page_cache import LIVE_END, LIVE_START

register = template.Library()
MEMBER_LINKS_KEPT = 4096  # members' links each process keeps formatted


@register.simple_tag(takes_context=True)
def presence_block(context: template.Context, block: Block | None) -> SafeString:
    if block is None:
        return SafeString("")
    # Marked as the page's live region: a guest page served from the cache gets it afresh.
    html = blocks.render(context.get("request"), block)
    return SafeString(LIVE_START + html + LIVE_END)


@register.filter(is_safe=True)
def member_links(named: Iterable[NamedMember]) -> SafeString:
    """What `{% for m in named %}{% member_link m.member_id m.name %}{% if not forloop.last %},
    {% endif %}{% endfor %}` prints, in one call instead of a tag per member."""
    prefix = get_script_prefix()
    return SafeString(", ".join([_member_link(prefix, m.member_id, m.name) for m in named]))


@lru_cache(maxsize=MEMBER_LINKS_KEPT)
def _member_link(prefix: str, member_id: int, name: str) -> str:
    """A member's link, formatted once per process: it depends on nothing but the script prefix
    (which `member_link` reads), the id and the name (a renamed member is a new entry), so this
    memo can never show anything stale; its slug cost more than the rest of a block."""
    return member_link(member_id, name)
