"""Moderator tools for the forum page (the thread page's come from the view, through
`moderation.actions.queries.thread_tools`): an object of booleans and URLs, or None for readers
who moderate nothing here. The navigation's links to the approval queue and the moderator log,
for readers who may open them. None of these queries the database.

Redirect stubs ("Moved: title") are drawn by the thread-row template with the filters here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from parley.forums.models import Forum, Thread

register = template.Library()


@dataclass(frozen=True)
class ForumTools:
    inline_url: str


@register.simple_tag(takes_context=True)
def forum_moderation(context: template.Context, forum: Forum) -> ForumTools | None:
    perms = context["request"].perms
    if not perms.can_moderate_threads_in(forum):
        return None
    return ForumTools(inline_url=f"{forum.get_absolute_url()}moderate/threads")


@register.filter
def redirect_url(stub: Thread) -> str:
    """Where a "Moved" stub leads (the stub keeps the title; a stale slug is a 301 there)."""
    return f"{get_script_prefix()}threads/{stub.slug}.{stub.redirect_to_id}/"


@register.filter
def redirect_expired(stub: Thread, now: datetime | None = None) -> bool:
    """An expired stub is hidden until the hourly job removes it."""
    expires = stub.redirect_expires_at
    return expires is not None and expires <= (now or timezone.now())


@register.simple_tag(takes_context=True)
def moderator_log_url(context: template.Context) -> str:
    """The moderator log link for the navigation (administrators), without a query for others."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return f"{get_script_prefix()}moderation/log/" if request.perms.can_view_moderator_log() else ""


@register.simple_tag(takes_context=True)
def admin_site_url(context: template.Context) -> str:
    """The Admin link for the navigation (administrators), without a query for others."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return reverse("admin:index") if request.perms.can_open_admin_site() else ""


@register.simple_tag(takes_context=True)
def approval_queue_url(context: template.Context) -> str:
    """The approval queue link for the navigation (readers who moderate), "" for others."""
    request = context.get("request")
    user = getattr(request, "user", None)
    perms = getattr(request, "perms", None)
    if user is None or perms is None or not user.is_authenticated:
        return ""  # guests: no permissions are built for this
    if not perms.can_view_approval_queue():
        return ""
    return f"{get_script_prefix()}approval-queue/"
