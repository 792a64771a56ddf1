"""`parley feeds add|list|fetch`: the importer for administrators and scripts. `parley.cli` wires
the arguments (`arguments.py`, which needs no Django) and calls `run` once Django is set up;
every refusal is a message on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from django.core.exceptions import PermissionDenied, ValidationError

from parley.accounts.models import Member
from parley.accounts.usernames import username_key
from parley.feeds.importer import services
from parley.feeds.models import NewsFeed
from parley.forums.models import Forum, Prefix

WHEN = "%Y-%m-%d %H:%M UTC"


class CommandError(Exception):
    """A refusal worded for the person at the terminal."""


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.feeds_command == "add":
            return _add(args, out)
        if args.feeds_command == "list":
            return _list(out)
        return _fetch(args, out)
    except CommandError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except ValidationError as exc:
        print(f"error: {_messages(exc)}", file=err)
        return 1
    except PermissionDenied as exc:
        print(f"error: {exc}", file=err)
        return 1


# Which argument each service field came from.
OPTIONS = {
    "url": "URL",
    "interval_minutes": "--interval",
    "excerpt_chars": "--chars",
    "member": "--member",
    "forum": "--forum",
}


def _messages(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    parts = []
    for name, errors in exc.error_dict.items():
        words = " ".join(message for error in errors for message in error.messages)
        parts.append(words if name == "__all__" else f"{OPTIONS.get(name, name)}: {words}")
    return " ".join(parts)


def _add(args: argparse.Namespace, out: TextIO) -> int:
    forum = Forum.objects.filter(pk=args.forum).first()
    if forum is None:
        raise CommandError(f"There is no forum with id {args.forum} (see the admin's forum list).")
    prefix = None
    if args.prefix:
        prefix = Prefix.objects.filter(title__iexact=args.prefix.strip()).first()
        if prefix is None:
            names = ", ".join(Prefix.objects.values_list("title", flat=True)) or "none yet"
            raise CommandError(f"There is no prefix called {args.prefix!r} (there are: {names}).")
    if args.member:
        member = Member.objects.filter(username_key=username_key(args.member)).first()
        if member is None:
            raise CommandError(f"No account is called {args.member!r}.")
    else:
        member = services.ensure_news_member()
    feed = services.register_feed(
        actor=None,
        url=args.url,
        forum=forum,
        member=member,
        prefix=prefix,
        source_name=args.source_name,
        interval_minutes=args.interval,
        excerpt_chars=args.chars,
        is_active=not args.inactive,
    )
    state = "inactive" if not feed.is_active else f"fetched every {feed.interval_minutes} min"
    print(
        f"Feed {feed.pk} added: {feed.url} -> {forum.title}, posted by {member.username}, "
        f"{state}. Run `parley feeds fetch {feed.pk}` to import now.",
        file=out,
    )
    return 0


def _list(out: TextIO) -> int:
    feeds = NewsFeed.objects.select_related("forum", "member", "prefix").order_by("pk")
    if not feeds:
        print("No feeds yet. Add one with `parley feeds add URL --forum FORUM_ID`.", file=out)
        return 0
    for feed in feeds:
        state = "active" if feed.is_active else "inactive"
        print(
            f"{feed.pk}\t{feed.url}\t{state}\tforum {feed.forum_id} ({feed.forum.title})\t"
            f"by {feed.member.username}\tevery {feed.interval_minutes} min\t"
            f"{feed.entries_imported} imported",
            file=out,
        )
        if feed.last_fetch_at:
            print(f"\tlast fetch {feed.last_fetch_at:{WHEN}}: {feed.last_result}", file=out)
        if feed.last_error and feed.last_error_at:
            print(f"\tlast error {feed.last_error_at:{WHEN}}: {feed.last_error}", file=out)
    return 0


def _fetch(args: argparse.Namespace, out: TextIO) -> int:
    if args.all == (args.feed_id is not None):
        raise CommandError("Name one FEED_ID, or --all for every active feed.")
    if args.all:
        feeds = list(NewsFeed.objects.filter(is_active=True).order_by("pk"))
        if not feeds:
            print("No active feeds.", file=out)
            return 0
    else:
        feed = NewsFeed.objects.filter(pk=args.feed_id).first()
        if feed is None:
            raise CommandError(
                f"There is no feed with id {args.feed_id} (see `parley feeds list`)."
            )
        feeds = [feed]
    failed = False
    for feed in feeds:
        report = services.fetch_and_import(feed)
        print(f"Feed {feed.pk} ({feed}): {report.summary()}", file=out)
        for title, url in report.posted:
            print(f"  posted: {title} ({url})", file=out)
        for title, url in report.grouped:
            print(f"  also reported (reply): {title} ({url})", file=out)
        for title, why in report.skipped:
            print(f"  skipped: {title}: {why}", file=out)
        failed = failed or bool(report.error)
    return 1 if failed else 0
