"""Discipline bits for templates, each asked once per page:

- `{% ban_notice as ban %}`: the reader's ban, for the layout's notice. Guests cost nothing
  (nothing is built for them); a member's ban comes from their cached permission facts.
- `{% member_discipline_tools member as tools %}`: ban / spam-clean URLs for a profile, or
  None."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from parley.accounts.models import Member
from parley.permissions.grants import BanFacts

register = template.Library()


@register.simple_tag(takes_context=True)
def ban_notice(context: template.Context) -> BanFacts | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    perms = getattr(request, "perms", None)
    if user is None or perms is None or not user.is_authenticated:
        return None
    return perms.ban


@dataclass(frozen=True)
class MemberTools:
    ban_url: str
    spam_clean_url: str


@register.simple_tag(takes_context=True)
def member_discipline_tools(context: template.Context, member: Member) -> MemberTools | None:
    perms = getattr(context.get("request"), "perms", None)
    if perms is None or not perms.is_member or not perms.can_ban_member(member):
        return None
    base = member.get_absolute_url()
    return MemberTools(ban_url=f"{base}ban", spam_clean_url=f"{base}spam-clean")
