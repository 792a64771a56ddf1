"""The news importer's state: the feeds an administrator registered, and every entry imported
from any of them (what dedupe and story grouping read). Written only by
`feeds.importer.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from parley.forums.models import SOURCE_URL_MAX_LENGTH, Forum, Post, Prefix, Thread

FEED_URL_MAX_LENGTH = 500
SOURCE_NAME_MAX_LENGTH = 100  # Thread.source_name's length
ERROR_MAX_CHARS = 1_000


class NewsFeed(models.Model):
    """One RSS or Atom feed whose new entries become threads in `forum`, posted by `member`."""

    url = models.URLField("feed address", max_length=FEED_URL_MAX_LENGTH, unique=True)
    source_name = models.CharField(
        "source name",
        max_length=SOURCE_NAME_MAX_LENGTH,
        blank=True,
        help_text="Shown as the source of each story; empty: the feed's own title.",
    )
    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,  # a feed without its posting member could post nothing
        related_name="+",
        verbose_name="posting member",
    )
    prefix = models.ForeignKey(
        Prefix, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interval_minutes = models.PositiveIntegerField("fetch every (minutes)", default=30)
    is_active = models.BooleanField("active", default=True)
    excerpt_chars = models.PositiveIntegerField(
        "characters posted",
        default=0,
        help_text="0: the whole summary; otherwise its first N characters. Either way the post "
        "ends with “Continue reading at” and a link to the story.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Conditional GET: what the server said last time, sent back so an unchanged feed is a 304.
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=ERROR_MAX_CHARS, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0)  # in a row; backs the feed off
    entries_imported = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["is_active", "next_fetch_at"], name="newsfeed_due")]

    def __str__(self) -> str:
        return self.source_name or self.url


class ImportedEntry(models.Model):
    """An entry seen in some feed. `guid_key` and `link_key` (hashes of the entry's GUID and of
    its normalised link) are unique across every feed, so an entry is never posted twice, even
    by two workers importing at once: the second insert fails."""

    feed = models.ForeignKey(
        NewsFeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    guid_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    link_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    title = models.CharField(max_length=200)
    link = models.URLField(max_length=SOURCE_URL_MAX_LENGTH, blank=True)
    source_name = models.CharField(max_length=SOURCE_NAME_MAX_LENGTH, blank=True)
    fingerprint = models.TextField(blank=True)  # normalised headline + summary, for grouping
    published_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField()
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grouped = models.BooleanField(default=False)  # posted as "Also reported by" in `thread`

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name_plural = "imported entries"
        indexes = [models.Index(fields=["-imported_at"], name="importedentry_recent")]

    def __str__(self) -> str:
        return self.title
