"""Categories, forums, threads and posts.

URLs are built with f-strings rather than `reverse()`: a thread page links each post half a dozen
times and reverse() dominated its rendering profile. tests/forums/test_urls.py pins them to the
URLconf.

Counters (thread/post counts, reply counts, last post) are denormalised and kept right by
`services`; pages never count rows. Every post carries its position in the thread so a page is a
position range, never an OFFSET."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import get_script_prefix

TITLE_MAX_LENGTH = 150
BODY_MAX_CHARS = 50_000  # the longest post a member may submit (source text)
# A deletion's reason as stored on the post or thread (moderation's records keep reasons as long).
REASON_MAX_CHARS = 200
SOURCE_URL_MAX_LENGTH = 500  # a news thread's source link


class Category(models.Model):
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    display_order = models.PositiveIntegerField(default=0)

    # Set by `queries.index_categories` for the index page, never stored.
    top_forums: list[Forum]

    class Meta:
        ordering = ["display_order", "id"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.title


class Forum(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="forums")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    title = models.CharField(max_length=100)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True)
    display_order = models.PositiveIntegerField(default=0)
    # Denormalised by services. A forum's totals leave out its sub-forums' (the index adds them).
    thread_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["display_order", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{get_script_prefix()}forums/{self.slug}.{self.pk}/"


class Prefix(models.Model):
    """A thread label such as "Breaking news" or "Analysis"."""

    COLOURS = [
        ("red", "Red"),
        ("orange", "Orange"),
        ("blue", "Blue"),
        ("green", "Green"),
        ("grey", "Grey"),
    ]
    title = models.CharField(max_length=40, unique=True)
    colour = models.CharField(max_length=10, choices=COLOURS, default="grey")
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "id"]
        verbose_name_plural = "prefixes"

    def __str__(self) -> str:
        return self.title


class ThreadQuerySet(models.QuerySet["Thread"]):
    def visible(self) -> ThreadQuerySet:
        """Published: neither soft-deleted nor waiting for approval."""
        return self.filter(is_deleted=False, awaiting_approval=False)


class PostQuerySet(models.QuerySet["Post"]):
    def visible(self) -> PostQuerySet:
        """Published posts in published threads."""
        return self.filter(
            is_deleted=False,
            awaiting_approval=False,
            thread__is_deleted=False,
            thread__awaiting_approval=False,
        )

    def published(self) -> PostQuerySet:
        """Published posts, whatever their thread's state (for positions within a thread)."""
        return self.filter(is_deleted=False, awaiting_approval=False)


class Thread(models.Model):
    # No index of its own: thread_listing leads with it (every index is written on each reply).
    forum = models.ForeignKey(
        Forum, on_delete=models.CASCADE, related_name="threads", db_index=False
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(max_length=80)
    prefix = models.ForeignKey(Prefix, null=True, blank=True, on_delete=models.SET_NULL)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads"
    )
    author_name = models.CharField(max_length=50)  # survives the member's deletion
    created_at = models.DateTimeField()
    # News threads cite where the story came from; shown at the top of the first post.
    source_name = models.CharField(max_length=100, blank=True)
    source_url = models.URLField(max_length=SOURCE_URL_MAX_LENGTH, blank=True)
    is_sticky = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    # A stub left in the old forum when a thread is moved: lists link it to the new location.
    # Redirect stubs have no posts and count in no totals. Indexed by thread_redirects, which
    # holds stubs only.
    redirect_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redirects",
        db_index=False,
    )
    redirect_expires_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    awaiting_approval = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delete_reason = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    # Denormalised, kept by services.
    reply_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    last_position = models.PositiveIntegerField(default=0)  # position of the last visible post
    first_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_post_at = models.DateTimeField()

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_post_at"]
        # Each listing's index holds its order (ids break ties), then every column the
        # visibility filters read (`visible_threads`, `visible_redirects`): a page's OFFSET walks
        # the index alone and stops after the page (forums.queries.listed_page). What's new
        # never lists "Moved" stubs, so its indexes leave them out (they still hold the always
        # empty redirect_to: SQLite reads a partial index's condition column from the row).
        indexes = [
            models.Index(
                fields=[
                    "forum",
                    "-is_sticky",
                    "-last_post_at",
                    "-id",
                    "is_deleted",
                    "awaiting_approval",
                    "author",
                    "redirect_to",
                ],
                name="thread_listing",
            ),
            models.Index(
                fields=[
                    "-last_post_at",
                    "-id",
                    "forum",
                    "is_deleted",
                    "awaiting_approval",
                    "author",
                    "redirect_to",
                ],
                condition=models.Q(redirect_to__isnull=True),
                name="thread_listed_latest",
            ),
            models.Index(
                fields=[
                    "-created_at",
                    "-id",
                    "forum",
                    "is_deleted",
                    "awaiting_approval",
                    "author",
                    "redirect_to",
                ],
                condition=models.Q(redirect_to__isnull=True),
                name="thread_listed_newest",
            ),
            # Stubs only. A full index on the column answered "redirect_to IS NULL" too, and
            # SQLite's planner preferred it for What's new, with statistics or without: every
            # listed thread fetched, then sorted.
            models.Index(
                fields=["redirect_to"],
                condition=models.Q(redirect_to__isnull=False),
                name="thread_redirects",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{get_script_prefix()}threads/{self.slug}.{self.pk}/"

    def page_url(self, page: int) -> str:
        base = self.get_absolute_url()
        return base if page <= 1 else f"{base}page-{page}"

    def reply_url(self) -> str:
        return f"{self.get_absolute_url()}reply"


class Post(models.Model):
    # Neither has an index of its own: post_thread_position and post_author_recent lead with
    # them (every index of a post is written when it is posted).
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="posts",
        db_index=False,
    )
    author_name = models.CharField(max_length=50)
    # 1-based among published posts; a soft-deleted or held post shares its predecessor's
    # position, so the published ones stay contiguous and page N is exactly the positions
    # (N-1)*size+1 .. N*size.
    position = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    body_source = models.TextField()
    body_html = models.TextField()  # sanitised at write time by parley.core.markup
    renderer_version = models.PositiveSmallIntegerField()
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    is_deleted = models.BooleanField(default=False)
    # Held for moderator approval (newcomers, link-heavy posts): shares its predecessor's
    # position, like a deleted post, until it is approved.
    awaiting_approval = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delete_reason = models.CharField(max_length=REASON_MAX_CHARS, blank=True)
    # A token the posting form carries so a double submit creates one post, not two.
    client_token = models.CharField(max_length=64, blank=True)

    # Set on the posts of a page by moderation's `thread_tools`, never stored: who deleted it.
    # (What the reader may do is on the page's `forums.post_cards.PostCard`s.)
    deleted_by_name: str

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["thread", "position"], name="post_thread_position"),
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"],
                condition=~models.Q(client_token=""),
                name="post_unique_client_token",
            )
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in thread {self.thread_id}"

    def get_absolute_url(self) -> str:
        return f"{get_script_prefix()}posts/{self.pk}/"

    def action_url(self, action: str) -> str:
        """`/posts/<id>/edit`, `…/delete`, `…/report`, `…/quote`."""
        return f"{self.get_absolute_url()}{action}"

    # Template-friendly spellings of action_url.
    edit_url = property(lambda self: self.action_url("edit"))
    delete_url = property(lambda self: self.action_url("delete"))
    report_url = property(lambda self: self.action_url("report"))
    quote_url = property(lambda self: self.action_url("quote"))
    warn_url = property(lambda self: self.action_url("warn"))
