"""Presence blocks for templates. (Stubs; implemented with presence.)"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_viewers(context: template.Context, thread: object) -> str:
    return ""


@register.simple_tag(takes_context=True)
def forum_viewers(context: template.Context, forum: object) -> str:
    return ""


@register.simple_tag(takes_context=True)
def online_sidebar(context: template.Context) -> str:
    return ""
