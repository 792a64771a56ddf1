"""What members type, checked and rendered once, at write time: titles, news source links and
post bodies; and `rerender_posts`, which brings stored posts up to the current renderer."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from parley.core.markup import (
    RENDERER_VERSION,
    clean_control_chars,
    has_visible_content,
    render_post,
    visible_length,
)
from parley.forums import hooks
from parley.forums.models import BODY_MAX_CHARS, SOURCE_URL_MAX_LENGTH, TITLE_MAX_LENGTH, Post

TITLE_MIN_LENGTH = 3


@dataclass(frozen=True)
class RenderedBody:
    source: str
    html: str


def clean_title(title: str) -> str:
    title = " ".join(clean_control_chars(title).split())
    # Measured as a reader sees it: zero-width and other invisible characters do not count.
    if visible_length(title) < TITLE_MIN_LENGTH:
        raise ValidationError(
            f"Please enter a title of at least {TITLE_MIN_LENGTH} characters.", code="title_short"
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            f"Please keep the title under {TITLE_MAX_LENGTH} characters (it has {len(title)}).",
            code="title_long",
        )
    return title


# A news thread's source is printed as a link on the thread page. ThreadForm checks for a URL, but
# every caller's value is stored as given, so the gate is here: absolute http(s) URLs only.
SOURCE_URL_SCHEMES = ("http", "https")
_source_url_validator = URLValidator(schemes=list(SOURCE_URL_SCHEMES))


def clean_source_url(url: str) -> str:
    """The source link as stored ("" for none), or a ValidationError (a `javascript:`, `data:`
    or scheme-less link would otherwise be printed as a working link)."""
    url = url.strip()
    if not url:
        return ""
    if len(url) > SOURCE_URL_MAX_LENGTH:
        raise ValidationError(
            f"Please keep the source link under {SOURCE_URL_MAX_LENGTH} characters.",
            code="source_url_long",
        )
    try:
        _source_url_validator(url)
    except ValidationError:
        raise ValidationError(
            "The source link must be a web address starting with http:// or https://.",
            code="source_url_invalid",
        ) from None
    return url


def check_body_text(body: str) -> str:
    """The cleaned source of a body, or a ValidationError saying what is wrong with it."""
    source = clean_control_chars(body).strip()
    if not source:
        raise ValidationError("Please enter a message.", code="body_empty")
    if len(source) > BODY_MAX_CHARS:
        raise ValidationError(
            f"Your message is {len(source):,} characters long; the limit is "
            f"{BODY_MAX_CHARS:,}. Please shorten it.",
            code="body_long",
        )
    return source


def prepare_body(body: str) -> RenderedBody:
    """Validate and render a post body once, at write time."""
    source = check_body_text(body)
    html = render_post(source)
    if not has_visible_content(html):  # `[b][/b]`, zero-width spaces: nothing to read
        raise ValidationError("Please enter a message.", code="body_empty")
    return RenderedBody(source=source, html=html)


def rerender_posts(*, batch_size: int = 500) -> int:
    """Re-render posts stored by an older renderer (after RENDERER_VERSION is bumped). Runs in
    batches, each its own transaction, so a large board is never locked for long."""
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                Post.objects.filter(renderer_version__lt=RENDERER_VERSION)
                .only("id", "thread_id", "body_source")
                .order_by("id")[:batch_size]
            )
            if not batch:
                return done
            for post in batch:
                post.body_html = render_post(post.body_source)
                post.renderer_version = RENDERER_VERSION
            Post.objects.bulk_update(batch, ["body_html", "renderer_version"])
            hooks.index_posts(batch)
        done += len(batch)
