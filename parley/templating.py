"""The Jinja2 environment of the hot pages (`jinja2/` beside each app's `templates/`, files named
`*.jinja`), through Django's own Jinja2 backend (`settings.TEMPLATES`).

Why two engines: a thread page spent more time in Django's template language than in anything
else (a variable lookup walks dicts, attributes, calls and indexes at run time, each output is
escaped through several layers). Jinja2 compiles a template to Python once, autoescapes just
the same (markupsafe; Django's SafeString is honoured through `__html__`), and prints the same
page in a fraction of the time. The thread page, its layout and the partials they share with
other pages are Jinja2; the rest stay in Django's language and include those partials with
`{% jinja "name.jinja" %}` (parley.core.templatetags.parley), so each partial has one source.

What Django's language did implicitly is explicit here: methods are called (`x.get_absolute_url()`),
`{{ csrf_input }}` replaces `{% csrf_token %}`, `url()` and `static()` are functions. Missing
values print nothing, as in Django's language (ChainableUndefined).

This module is an entry point, like parley/urls.py: it gathers helpers from every app."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, Environment, pass_context

from parley.accounts.templatetags.members import member_link, member_url, role_title
from parley.activity.templatetags.presence import presence_block
from parley.core.html import intcomma
from parley.core.templatetags.parley import date_only, reltime
from parley.feeds.templatetags import discovery
from parley.forums.templatetags.thread_pages import thread_page_links
from parley.moderation.templatetags import discipline, moderator_tools


@lru_cache(maxsize=256)
def _reverse_plain(name: str, prefix: str) -> str:
    return reverse(name)


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """`{% url %}`. Names without arguments are resolved once per script prefix."""
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    return _reverse_plain(name, get_script_prefix())


def _with_context(tag: Any) -> Any:
    """A Django `takes_context` tag function called from Jinja2: it reads the context with
    `.get()` and `[]`, which Jinja2's context answers too."""
    return pass_context(lambda context, *args, **kwargs: tag(context, *args, **kwargs))


def environment(**options: Any) -> Environment:
    options["undefined"] = ChainableUndefined
    env = Environment(**options)  # noqa: S701 - the backend sets autoescape=True
    env.globals.update(
        url=url,
        static=static,
        reltime=reltime,
        date_only=date_only,
        member_link=member_link,
        member_url=member_url,
        thread_page_links=thread_page_links,
        current_timezone_name=timezone.get_current_timezone_name,
        presence_block=_with_context(presence_block),
        ban_notice=_with_context(discipline.ban_notice),
        approval_queue_url=_with_context(moderator_tools.approval_queue_url),
        moderator_log_url=_with_context(moderator_tools.moderator_log_url),
        admin_site_url=_with_context(moderator_tools.admin_site_url),
        forum_moderation=_with_context(moderator_tools.forum_moderation),
        canonical_link=_with_context(discovery.canonical_link),
        feed_link=_with_context(discovery.feed_link),
        thread_cards=_with_context(discovery.thread_cards),
    )
    env.filters.update(
        intcomma=intcomma,
        pluralize=pluralize,
        date=date_filter,
        role_title=role_title,
        redirect_url=moderator_tools.redirect_url,
        redirect_expired=moderator_tools.redirect_expired,
    )
    return env
