"""Every write of the news importer: registering feeds, and importing what a fetch brought.

An entry becomes a thread through the forum services (`create_thread`), posted by the feed's
member, so the posting gate, counters and permissions apply as to anyone. That member belongs to
the "News feeds" group, which bypasses flood control and duplicate checks and is never held for
approval: a permission given by a group, not a hole in the gate.

Each entry is imported in its own transaction, which first inserts its `ImportedEntry` row: the
unique GUID and link keys make a second import of the same entry (another run, another feed,
another worker at the same moment) fail there, before anything is posted."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from parley.accounts.models import Member
from parley.accounts.services import register_member
from parley.accounts.usernames import username_key
from parley.core import knobs
from parley.feeds.importer import dedupe, similarity, text
from parley.feeds.importer.arguments import NEWSROOM
from parley.feeds.importer.fetch import FetchError, fetch
from parley.feeds.importer.parse import Entry, FeedError, parse_feed
from parley.feeds.models import (
    ERROR_MAX_CHARS,
    FEED_URL_MAX_LENGTH,
    SOURCE_NAME_MAX_LENGTH,
    ImportedEntry,
    NewsFeed,
)
from parley.forums.models import TITLE_MAX_LENGTH, Forum, Prefix, Thread
from parley.forums.services import clean_source_url, create_thread, reply_to_thread
from parley.forums.services.counters import refresh_forum_last_post
from parley.permissions import registry
from parley.permissions.guardian import perms_for
from parley.permissions.services import add_member_to_group, save_group, set_permission

log = logging.getLogger(__name__)

NEWS_GROUP = "News feeds"
NEWS_GROUP_ALLOWS = (registry.BYPASS_FLOOD, registry.POST_WITHOUT_APPROVAL)
GROUPING_HOURS = 48  # a story reported again within this joins the first report's thread
MIN_INTERVAL_MINUTES = 5  # no outlet needs polling more often
MAX_INTERVAL_MINUTES = 7 * 24 * 60
MAX_BACKOFF_MINUTES = 24 * 60  # a failing feed is still tried once a day
CLAIM_MINUTES = 15  # a claimed fetch whose job died is tried again after this
_feed_url_validator = URLValidator(schemes=["http", "https"])


@dataclass
class ImportReport:
    """What one fetch did, for the command line and the feed's admin page."""

    posted: list[tuple[str, str]] = field(default_factory=list)  # (headline, thread URL)
    grouped: list[tuple[str, str]] = field(default_factory=list)  # (headline, thread URL)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (headline, why)
    not_modified: bool = False
    error: str = ""

    def summary(self) -> str:
        if self.error:
            return f"Failed: {self.error}"
        if self.not_modified:
            return "Not modified since the last fetch (HTTP 304): nothing new."
        return (
            f"{len(self.posted)} posted, {len(self.grouped)} added to existing stories, "
            f"{len(self.skipped)} skipped."
        )


# --- The posting member -------------------------------------------------------------------------


def ensure_news_group() -> Group:
    """The group whose members post feeds: flood control, duplicate checks and approval do not
    apply to them (a feed posts several stories at once, by design)."""
    with transaction.atomic():
        group = Group.objects.filter(name=NEWS_GROUP).first()
        if group is None:
            group = save_group(group=Group(name=NEWS_GROUP))
            for permission in NEWS_GROUP_ALLOWS:
                set_permission(group=group, permission=permission, value=registry.ALLOW)
    return group


def ensure_news_member(username: str = NEWSROOM) -> Member:
    """The named posting member, created (with a password nobody knows) when missing, and in
    the News feeds group."""
    with transaction.atomic():
        member = Member.objects.filter(username_key=username_key(username)).first()
        if member is None:
            slug = "".join(ch for ch in username.lower() if ch.isalnum()) or "newsroom"
            member = register_member(
                username=username,
                email=f"{slug}@newsroom.invalid",
                password=secrets.token_urlsafe(32),
            )
        _join_news_group(member)
    return member


def _join_news_group(member: Member) -> None:
    group = ensure_news_group()
    if not member.groups.filter(pk=group.pk).exists():
        add_member_to_group(member=member, name=group.name)


# --- Registering feeds --------------------------------------------------------------------------


def _ensure_can_manage(actor: Member | None) -> None:
    """Administrators manage feeds; None is the command line, run by whoever runs the board."""
    if actor is not None and not perms_for(actor).is_admin:
        raise PermissionDenied("Only administrators manage news feeds.")


def _checked_url(url: str) -> str:
    try:
        return clean_feed_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None


def clean_feed_url(url: str) -> str:
    url = url.strip()
    if len(url) > FEED_URL_MAX_LENGTH:
        raise ValidationError(
            f"Please keep the feed address under {FEED_URL_MAX_LENGTH} characters.",
            code="feed_url_long",
        )
    try:
        _feed_url_validator(url)
    except ValidationError:
        raise ValidationError(
            "The feed address must be a web address starting with http:// or https://.",
            code="feed_url_invalid",
        ) from None
    return url


def check_feed_settings(
    *, member: Member, forum: Forum, interval_minutes: int, excerpt_chars: int
) -> None:
    errors: dict[str, str] = {}
    if not MIN_INTERVAL_MINUTES <= interval_minutes <= MAX_INTERVAL_MINUTES:
        errors["interval_minutes"] = (
            f"Fetch every {MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES:,} minutes."
        )
    if excerpt_chars and excerpt_chars < 50:
        errors["excerpt_chars"] = "Post at least 50 characters (or 0 for the whole summary)."
    if not member.is_active:
        errors["member"] = f"{member.username}'s account is disabled."
    elif not perms_for(member).can_start_thread(forum):
        errors["member"] = f"{member.username} may not start threads in {forum.title}."
    if errors:
        raise ValidationError(errors)


def register_feed(
    *,
    actor: Member | None,
    url: str,
    forum: Forum,
    member: Member,
    prefix: Prefix | None = None,
    source_name: str = "",
    interval_minutes: int = 30,
    excerpt_chars: int = 0,
    is_active: bool = True,
) -> NewsFeed:
    """A new feed, due at once. Its member joins the News feeds group."""
    _ensure_can_manage(actor)
    url = _checked_url(url)
    check_feed_settings(
        member=member, forum=forum, interval_minutes=interval_minutes, excerpt_chars=excerpt_chars
    )
    with transaction.atomic():
        if NewsFeed.objects.filter(url=url).exists():
            raise ValidationError({"url": "That feed is already registered."}, code="feed_taken")
        feed = NewsFeed.objects.create(
            url=url,
            forum=forum,
            member=member,
            prefix=prefix,
            source_name=text.html_to_line(source_name)[:SOURCE_NAME_MAX_LENGTH],
            interval_minutes=interval_minutes,
            excerpt_chars=excerpt_chars,
            is_active=is_active,
            next_fetch_at=timezone.now(),
        )
        _join_news_group(member)
    return feed


SETTINGS_FIELDS = (
    "url",
    "source_name",
    "forum",
    "member",
    "prefix",
    "interval_minutes",
    "excerpt_chars",
    "is_active",
)


def update_feed(*, actor: Member | None, feed: NewsFeed) -> NewsFeed:
    """Store the settings changed on `feed` (the admin's form); a reactivated or re-addressed
    feed is due at once, with a clean slate."""
    _ensure_can_manage(actor)
    feed.url = _checked_url(feed.url)
    feed.source_name = text.html_to_line(feed.source_name)[:SOURCE_NAME_MAX_LENGTH]
    check_feed_settings(
        member=feed.member,
        forum=feed.forum,
        interval_minutes=feed.interval_minutes,
        excerpt_chars=feed.excerpt_chars,
    )
    fields = list(SETTINGS_FIELDS)
    with transaction.atomic():
        stored = NewsFeed.objects.select_for_update().get(pk=feed.pk)
        if stored.url != feed.url:
            feed.etag = feed.last_modified = ""
            fields += ["etag", "last_modified"]
        if stored.url != feed.url or (feed.is_active and not stored.is_active):
            feed.failure_count = 0
            feed.next_fetch_at = timezone.now()
            fields += ["failure_count", "next_fetch_at"]
        # Only these: the fetch state is the importer's, and a fetch may have just written it.
        feed.save(update_fields=fields)
        _join_news_group(feed.member)
    return feed


def delete_feeds(*, actor: Member | None, feeds: Iterable[NewsFeed]) -> int:
    """Stop fetching these feeds. What they imported stays (threads, and the entries dedupe
    remembers, so adding a feed back does not post its stories again)."""
    _ensure_can_manage(actor)
    with transaction.atomic():
        deleted, _ = NewsFeed.objects.filter(pk__in=[f.pk for f in feeds]).delete()
    return deleted


# --- Scheduling ---------------------------------------------------------------------------------


def claim_due_feeds(now: datetime | None = None) -> list[int]:
    """The active feeds due now, each claimed by moving its next fetch CLAIM_MINUTES ahead in a
    conditional UPDATE: of several consumers looking at once, one gets each feed."""
    now = now or timezone.now()
    due = Q(is_active=True) & (Q(next_fetch_at__lte=now) | Q(next_fetch_at__isnull=True))
    claimed = []
    for feed_id, next_at in NewsFeed.objects.filter(due).values_list("pk", "next_fetch_at"):
        with transaction.atomic():
            won = NewsFeed.objects.filter(pk=feed_id, next_fetch_at=next_at).update(
                next_fetch_at=now + timedelta(minutes=CLAIM_MINUTES)
            )
        if won:
            claimed.append(feed_id)
    return claimed


def backoff_minutes(interval_minutes: int, failures: int) -> int:
    """The wait after `failures` failures in a row: the interval, doubled per failure after the
    first, at most a day."""
    if failures <= 1:
        return interval_minutes
    return min(interval_minutes << min(failures - 1, 20), MAX_BACKOFF_MINUTES)


def _record_failure(feed: NewsFeed, message: str, now: datetime) -> None:
    message = message[:ERROR_MAX_CHARS]
    with transaction.atomic():
        NewsFeed.objects.filter(pk=feed.pk).update(
            last_fetch_at=now,
            last_error=message,
            last_error_at=now,
            last_result=f"Failed: {message}"[:300],
            failure_count=F("failure_count") + 1,
        )
        feed.refresh_from_db()
        feed.next_fetch_at = now + timedelta(
            minutes=backoff_minutes(feed.interval_minutes, feed.failure_count)
        )
        feed.save(update_fields=["next_fetch_at"])


def _record_success(
    feed: NewsFeed, report: ImportReport, now: datetime, etag: str, last_modified: str
) -> None:
    with transaction.atomic():
        NewsFeed.objects.filter(pk=feed.pk).update(
            last_fetch_at=now,
            last_result=report.summary()[:300],
            failure_count=0,
            etag=etag,
            last_modified=last_modified,
            next_fetch_at=now + timedelta(minutes=feed.interval_minutes),
        )
    feed.refresh_from_db()


# --- Importing ----------------------------------------------------------------------------------


def fetch_and_import(
    feed: NewsFeed,
    *,
    now: datetime | None = None,
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> ImportReport:
    """Fetch the feed (outside any transaction: the network may be slow), import what is new,
    and record the outcome on the feed. A failure of any kind is recorded, never raised."""
    started = now or timezone.now()
    options = {} if max_bytes is None else {"max_bytes": max_bytes}
    try:
        fetched = fetch(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            timeout=timeout,
            **options,
        )
        if fetched.not_modified:
            report = ImportReport(not_modified=True)
        else:
            report = import_document(feed=feed, document=fetched.body, base_url=fetched.url)
    except (FetchError, FeedError) as exc:
        _record_failure(feed, str(exc), started)
        return ImportReport(error=str(exc))
    except Exception as exc:  # a bug or a document nobody foresaw: still this feed's failure
        log.exception("Importing feed %s (%s) failed", feed.pk, feed.url)
        message = f"Could not import the feed ({type(exc).__name__}: {exc})."
        _record_failure(feed, message, started)
        return ImportReport(error=message)
    _record_success(feed, report, started, fetched.etag, fetched.last_modified)
    return report


def import_document(
    *, feed: NewsFeed, document: bytes, base_url: str = "", now: datetime | None = None
) -> ImportReport:
    """Post the new entries of a feed document (fetched, or the demo's file): the same parse,
    dedupe and grouping whichever way it came. Raises FeedError if it is not a feed or the
    feed's member may no longer post in its forum."""
    parsed = parse_feed(document, base_url=base_url or feed.url)
    member = feed.member
    if not perms_for(member).can_start_thread(feed.forum):
        raise FeedError(f"{member.username} may not start threads in {feed.forum.title}.")
    if not feed.source_name and parsed.title:
        feed.source_name = text.html_to_line(parsed.title)[:SOURCE_NAME_MAX_LENGTH]
        NewsFeed.objects.filter(pk=feed.pk).update(source_name=feed.source_name)
    report = ImportReport()
    # Oldest first, as they happened (entries without a date keep the document's order).
    entries = list(reversed(parsed.entries))
    entries.sort(key=lambda e: e.published.timestamp() if e.published else float("inf"))
    for entry in entries:
        _import_entry(feed, entry, report, now=now or timezone.now())
    if imported := len(report.posted) + len(report.grouped):
        NewsFeed.objects.filter(pk=feed.pk).update(
            entries_imported=F("entries_imported") + imported
        )
    return report


def _import_entry(feed: NewsFeed, entry: Entry, report: ImportReport, *, now: datetime) -> None:
    title = text.cut(text.html_to_line(entry.title), TITLE_MAX_LENGTH)
    summary_line = " ".join(text.summary_text(entry.summary))
    if not title:
        title = text.cut(summary_line, 80)
    if not title:
        report.skipped.append(("(no headline)", "no headline or summary"))
        return
    try:
        link = clean_source_url(entry.link) if entry.link else ""
    except ValidationError:
        link = ""
    guid = entry.guid or link or f"{title}\n{summary_line}"
    published = entry.published if entry.published and entry.published <= now else None
    fingerprint = similarity.fingerprint(title, summary_line)
    source_name = feed.source_name or (dedupe.normalise_link(feed.url) or feed.url)[:100]
    try:
        with transaction.atomic():
            record = ImportedEntry.objects.create(
                feed=feed,
                guid_key=dedupe.guid_key(guid),
                link_key=dedupe.link_key(link) if link else None,
                title=title,
                link=link,
                source_name=source_name,
                fingerprint=fingerprint,
                published_at=published,
                imported_at=now,
            )
            match = _same_story(record, fingerprint, now)
            # A story whose thread was since locked or moved out of reach starts a new one.
            if match is not None and perms_for(feed.member).can_reply_to_thread(match):
                _also_reported(feed, record, match, entry, published or now, now)
                report.grouped.append((title, match.get_absolute_url()))
                return
            thread = create_thread(
                actor=feed.member,
                forum=feed.forum,
                title=title,
                body=text.story_body(
                    summary_html=entry.summary,
                    limit=feed.excerpt_chars,
                    source_name=source_name,
                    link=link,
                    title=title,
                ),
                prefix=feed.prefix,
                source_name=source_name,
                source_url=link,
                now=published or now,  # the thread shows when the story was published
            )
            record.thread = thread
            record.post_id = thread.first_post_id
            record.save(update_fields=["thread", "post"])
            # Posted at its publication time, the story may be older than the forum's last post.
            refresh_forum_last_post(thread.forum_id)
            report.posted.append((title, thread.get_absolute_url()))
    except IntegrityError:
        report.skipped.append((title, "already imported (same GUID or link)"))
    except (ValidationError, PermissionDenied) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        report.skipped.append((title, f"refused by the board: {reason}"))


def _same_story(record: ImportedEntry, fingerprint: str, now: datetime) -> Thread | None:
    """The thread of a story imported in the last GROUPING_HOURS that this entry retells."""
    candidates = (
        ImportedEntry.objects.filter(
            imported_at__gte=now - timedelta(hours=GROUPING_HOURS),
            thread__isnull=False,
            thread__is_deleted=False,
            thread__redirect_to__isnull=True,
        )
        .exclude(pk=record.pk)
        .values_list("thread_id", "fingerprint")
    )
    threshold = knobs.FEED_SIMILARITY_PERCENT.get() / 100
    best = similarity.best_match(fingerprint, candidates, threshold)
    if best is None:
        return None
    return Thread.objects.get(pk=best[0])


def _also_reported(
    feed: NewsFeed,
    record: ImportedEntry,
    thread: Thread,
    entry: Entry,
    published: datetime,
    now: datetime,
) -> None:
    at = min(max(published, thread.last_post_at), now)  # replies keep their thread's order
    post = reply_to_thread(
        actor=feed.member,
        thread=thread,
        body=text.also_reported_body(
            source_name=record.source_name,
            link=record.link,
            title=record.title,
            summary_html=entry.summary,
        ),
        now=at,
    )
    record.thread = thread
    record.post = post
    record.grouped = True
    record.save(update_fields=["thread", "post", "grouped"])
    refresh_forum_last_post(thread.forum_id)
