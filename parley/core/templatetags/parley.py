"""Template helpers available in every template (registered as a builtin): formatting only, over
values the view hands the template. Nothing here knows members or roles (those tags live in
`parley.accounts.templatetags.members`) or reads the database."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from parley.core.html import format_html_fast
from parley.core.partials import render_in_django_context

register = template.Library()

RELATIVE_MINUTES_LIMIT = 60  # under an hour: "21 minutes ago"; then "Today at 3:12 PM"
WEEKDAY_DAYS_LIMIT = 7  # within a week: "Monday at 3:12 PM"; then the date


# English names, as strftime's %b and %A give them in the C locale (nothing here sets another),
# looked up instead of formatted: a thread page prints a few dozen times.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(dt: datetime) -> str:
    """Like "3:12 PM" or "12:05 AM": strftime's "%I:%M %p" without the leading zero."""
    return f"{dt.hour % 12 or 12}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def _date(dt: datetime) -> str:
    return f"{_MONTHS[dt.month - 1]} {dt.day}, {dt.year}"


def relative_text(dt: datetime, now: datetime) -> str:
    """XenForo-style: "A moment ago", "21 minutes ago", "Today at…", "Yesterday at…",
    "Monday at…", then "Jul 18, 2021". `dt` and `now` are in the reader's time zone."""
    seconds = (now - dt).total_seconds()
    if seconds < 60:
        return "A moment ago"
    if seconds < RELATIVE_MINUTES_LIMIT * 60:
        minutes = int(seconds // 60)
        return "1 minute ago" if minutes == 1 else f"{minutes} minutes ago"
    days = (now.date() - dt.date()).days
    if days == 0:
        return f"Today at {_clock(dt)}"
    if days == 1:
        return f"Yesterday at {_clock(dt)}"
    if days < WEEKDAY_DAYS_LIMIT:
        return f"{_WEEKDAYS[dt.weekday()]} at {_clock(dt)}"
    return _date(dt)


def reltime_html(dt: datetime, now: datetime) -> SafeString:
    """What `{% reltime %}` prints, for code that prints many times on one page: `now` is the
    reader's local time (`timezone.localtime()`), taken once, and its zone is the reader's."""
    local = timezone.localtime(dt, now.tzinfo)
    exact = f"{_date(local)} at {_clock(local)}"
    return format_html_fast(
        '<time datetime="{}" title="{}" class="u-dt">{}</time>',
        dt.isoformat(),
        exact,
        relative_text(local, now),
    )


def date_only_html(dt: datetime, zone: tzinfo | None) -> SafeString:
    """What `{% date_only %}` prints, in the given zone (the reader's)."""
    local = timezone.localtime(dt, zone)
    return format_html_fast(
        '<time datetime="{}" class="u-date">{}</time>',
        dt.isoformat(),
        _date(local),
    )


@register.simple_tag
def reltime(dt: datetime | None) -> str:
    """<time> with an ISO datetime, relative text, and the exact time on hover."""
    if dt is None:
        return ""
    return reltime_html(dt, timezone.localtime())


@register.simple_tag
def date_only(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return date_only_html(dt, timezone.get_current_timezone())


@register.filter
def since(dt: datetime) -> timedelta:
    return timezone.now() - dt


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, name: str) -> SafeString:
    """`{% jinja "core/_pagenav.jinja" %}`: a Jinja2 partial (parley/templating.py) printed in a
    Django-language page, with that page's context (`{% with %}` values included)."""
    return render_in_django_context(name, context.flatten())
