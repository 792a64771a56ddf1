"""Member names and titles in templates (`{% load members %}`): formatting over what the view or
query already loaded (an id and a stored name, a member row); nothing here reads the database."""

from __future__ import annotations

from django import template

from parley.accounts.models import Member
from parley.accounts.models import member_url as build_member_url
from parley.core.html import format_html_fast

register = template.Library()


@register.filter
def role_title(member: Member | None) -> str:
    """The title under a member's name: their custom title, else their top group's (stored on
    the member row by `permissions.services` when their groups change)."""
    if member is None:
        return "Guest"
    return member.custom_title or member.group_title or "Member"


@register.simple_tag
def member_url(member_id: int | None, name: str) -> str:
    """A profile URL from the id and the stored name, so listings need not load members."""
    return build_member_url(member_id, name) if member_id else ""


@register.simple_tag
def member_link(member_id: int | None, name: str) -> str:
    if not member_id:
        return format_html_fast('<span class="username">{}</span>', name)
    return format_html_fast(
        '<a class="username" href="{}">{}</a>', build_member_url(member_id, name), name
    )
