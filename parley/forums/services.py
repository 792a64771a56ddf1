"""Every write to forums, threads and posts.

Each function checks permission first, runs in one transaction, and keeps the denormalised
counters (reply counts, forum totals, member message counts, last post) right in the same
transaction. The thread row is locked while a position is assigned; a member's new posts are
checked and written one at a time (`gate.serialize_posting`), so flood control and the client
token hold under concurrent requests.

Thread order is (created_at, id): positions follow it, and `resync_thread` rebuilds them from it.
The row-level helpers below the verbs (`counters_follow`, `hide_posts`, `hide_thread`, …) check
no permission; moderation.actions builds its verbs from them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from parley.accounts.models import Member
from parley.core.markup import RENDERER_VERSION, clean_control_chars, render_post
from parley.core.slugs import make_slug
from parley.forums.models import (
    BODY_MAX_CHARS,
    TITLE_MAX_LENGTH,
    Category,
    Forum,
    Post,
    Prefix,
    Thread,
)
from parley.moderation import gate
from parley.moderation.log.services import log_action
from parley.moderation.models import REASON_MAX_CHARS, PostRevision
from parley.permissions.guardian import perms_for
from parley.permissions.services import forum_tree_changed

TITLE_MIN_LENGTH = 3


class EditConflict(Exception):
    """The post changed after the editor was opened; the caller shows both versions."""

    def __init__(self, current: Post) -> None:
        super().__init__("This post was changed by someone else while you were editing it.")
        self.current = current


@dataclass(frozen=True)
class RenderedBody:
    source: str
    html: str


def clean_title(title: str) -> str:
    title = " ".join(clean_control_chars(title).split())
    if len(title) < TITLE_MIN_LENGTH:
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
    max_length = Thread._meta.get_field("source_url").max_length
    if len(url) > max_length:
        raise ValidationError(
            f"Please keep the source link under {max_length} characters.", code="source_url_long"
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
    if not html.strip():
        raise ValidationError("Please enter a message.", code="body_empty")
    return RenderedBody(source=source, html=html)


def _existing_post(actor: Member, client_token: str) -> Post | None:
    if not client_token:
        return None
    return (
        Post.objects.select_related("thread")
        .filter(author=actor, client_token=client_token)
        .first()
    )


def _add_post(
    *,
    thread: Thread,
    actor: Member,
    body: RenderedBody,
    now: datetime,
    client_token: str,
    held: bool = False,
) -> Post:
    """Append a post to a locked thread and bump every counter that includes it. A held reply
    (awaiting approval) shares its predecessor's position and counts nowhere until approved."""
    held_reply = held and thread.first_post_id is not None
    post = Post.objects.create(
        thread=thread,
        author=actor,
        author_name=actor.username,
        position=thread.last_position if held_reply else thread.last_position + 1,
        created_at=now,
        body_source=body.source,
        body_html=body.html,
        renderer_version=RENDERER_VERSION,
        client_token=client_token,
        awaiting_approval=held,
    )
    if held_reply:
        return post
    thread.last_position = post.position
    thread.reply_count = post.position - 1
    thread.last_post = post
    thread.last_post_at = now
    if thread.first_post_id is None:
        thread.first_post = post
    thread.save(
        update_fields=["last_position", "reply_count", "last_post", "last_post_at", "first_post"]
    )
    # A held thread's first post counts when it is approved; a deleted thread's posts count when
    # it is undeleted (moderators can still reply to it).
    if not (thread.awaiting_approval or thread.is_deleted):
        Forum.objects.filter(pk=thread.forum_id).update(
            post_count=F("post_count") + 1, last_post=post
        )
        Member.objects.filter(pk=actor.pk).update(message_count=F("message_count") + 1)
    return post


def create_thread(
    *,
    actor: Member,
    forum: Forum,
    title: str,
    body: str,
    prefix: Prefix | None = None,
    source_name: str = "",
    source_url: str = "",
    client_token: str = "",
    now: datetime | None = None,
) -> Thread:
    perms_for(actor).ensure_can_start_thread(forum)
    title = clean_title(title)
    source_url = clean_source_url(source_url)
    rendered = prepare_body(body)
    try:
        with transaction.atomic():
            # One member's posts are checked and written one at a time: a double submit finds
            # the first post here, and the gate sees every post committed before this one.
            gate.serialize_posting(actor)
            if existing := _existing_post(actor, client_token):
                return existing.thread
            now = now or timezone.now()  # after the wait: later than any post it waited for
            held = gate.check_new_post(actor=actor, forum=forum, body=rendered.source, now=now)
            thread = Thread.objects.create(
                awaiting_approval=held,
                forum=forum,
                title=title,
                slug=make_slug(title),
                prefix=prefix,
                author=actor,
                author_name=actor.username,
                created_at=now,
                last_post_at=now,
                source_name=clean_control_chars(source_name).strip(),
                source_url=source_url,
            )
            _add_post(thread=thread, actor=actor, body=rendered, now=now, client_token=client_token)
            if not held:
                Forum.objects.filter(pk=forum.pk).update(thread_count=F("thread_count") + 1)
    except IntegrityError:
        # Not expected while posts are serialized, but the unique token is the last word: a
        # concurrent double submit that got this far lost the race, so return the winner.
        if existing := _existing_post(actor, client_token):
            return existing.thread
        raise
    return thread


def reply_to_thread(
    *,
    actor: Member,
    thread: Thread,
    body: str,
    client_token: str = "",
    now: datetime | None = None,
) -> Post:
    perms = perms_for(actor)
    perms.ensure_can_reply_to_thread(thread)  # refuse early, before rendering
    rendered = prepare_body(body)
    try:
        with transaction.atomic():
            gate.serialize_posting(actor)  # before the token and the gate look (see above)
            if existing := _existing_post(actor, client_token):
                return existing
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            if locked.redirect_to_id:  # a "Moved" stub holds no posts
                raise PermissionDenied("This thread has moved; reply in its new place.")
            # Again on the locked row: the thread may have been locked, moved or deleted since
            # the caller loaded it.
            perms.ensure_can_reply_to_thread(locked)
            now = now or timezone.now()
            held = gate.check_new_post(
                actor=actor, forum=locked.forum, body=rendered.source, now=now, thread=locked
            )
            post = _add_post(
                thread=locked,
                actor=actor,
                body=rendered,
                now=now,
                client_token=client_token,
                held=held,
            )
    except IntegrityError:
        if existing := _existing_post(actor, client_token):
            return existing
        raise
    return post


def edit_post(
    *,
    actor: Member,
    post: Post,
    body: str,
    base_edit_count: int,
    title: str | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Post:
    """Save a new body. `base_edit_count` is the edit count the editor was opened at: if the
    post has been edited since, nothing is written and EditConflict carries the current post.
    The replaced text is kept as a PostRevision; an edit of someone else's post (a moderator's)
    is also written to the moderator log with its reason."""
    perms_for(actor).ensure_can_edit_post(post)
    rendered = prepare_body(body)
    new_title = clean_title(title) if title is not None else None
    with transaction.atomic():
        current = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
        if current.edit_count != base_edit_count:
            raise EditConflict(current)
        if current.body_source == rendered.source and (
            new_title is None or new_title == current.thread.title
        ):
            return current  # nothing changed: no "Last edited" line for a no-op save
        edited_at = now or timezone.now()
        reason = clean_control_chars(reason).strip()
        if current.body_source != rendered.source:
            PostRevision.objects.create(
                post=current,
                body_source=current.body_source,
                edited_by=actor,
                edited_at=edited_at,
                reason=reason[:REASON_MAX_CHARS],
            )
        current.body_source = rendered.source
        current.body_html = rendered.html
        current.renderer_version = RENDERER_VERSION
        current.edited_at = edited_at
        current.edit_count += 1
        current.save(
            update_fields=[
                "body_source",
                "body_html",
                "renderer_version",
                "edited_at",
                "edit_count",
            ]
        )
        if new_title is not None and current.thread.first_post_id == current.pk:
            Thread.objects.filter(pk=current.thread_id).update(
                title=new_title, slug=make_slug(new_title)
            )
        if current.author_id != actor.pk:
            log_action(
                actor=actor,
                action="post_edit",
                target_kind="post",
                target_id=current.pk,
                target_title=post_title(current),
                reason=reason,
            )
    return current


def delete_post(
    *, actor: Member, post: Post, reason: str = "", now: datetime | None = None
) -> None:
    """Soft-delete a post (its author, or a moderator). Deleting the first post deletes the
    thread. Someone else's post, or a thread, is a moderator action and is logged."""
    perms_for(actor).ensure_can_delete_post(post)
    now = now or timezone.now()
    reason = clean_control_chars(reason).strip()[:REASON_MAX_CHARS]
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=post.thread_id)
        post = Post.objects.get(pk=post.pk)
        if post.pk == thread.first_post_id:
            if thread.is_deleted:
                return
            with counters_follow([thread.pk]):
                hide_thread(thread, by=actor, reason=reason, now=now)
            log_action(
                actor=actor,
                action="thread_delete",
                target_kind="thread",
                target_id=thread.pk,
                target_title=thread.title,
                reason=reason,
            )
            return
        if post.is_deleted:
            return
        with counters_follow([thread.pk]):
            hide_posts(thread, [post], by=actor, reason=reason, now=now)
        if post.author_id != actor.pk:
            log_action(
                actor=actor,
                action="post_delete",
                target_kind="post",
                target_id=post.pk,
                target_title=post_title(post, thread),
                reason=reason,
            )


def post_title(post: Post, thread: Thread | None = None) -> str:
    """How a post is named in the moderator log (the thread title may change later)."""
    return f"Post by {post.author_name} in {(thread or post.thread).title}"


def _refresh_thread_tail(thread: Thread) -> None:
    last = Post.objects.filter(thread=thread).published().order_by("-position", "-id").first()
    thread.last_position = last.position if last else 0
    thread.reply_count = max(thread.last_position - 1, 0)
    thread.last_post = last
    thread.last_post_at = last.created_at if last else thread.created_at
    thread.save(update_fields=["last_position", "reply_count", "last_post", "last_post_at"])


def _refresh_forum_last_post(forum_id: int) -> None:
    last = (
        Post.objects.filter(thread__forum_id=forum_id)
        .visible()
        .order_by("-created_at", "-id")
        .only("id")
        .first()
    )
    Forum.objects.filter(pk=forum_id).update(last_post=last)


def resync_thread(thread: Thread) -> None:
    """Rebuild a thread's positions and counters from its posts (repair tool)."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        position = 0
        changed = []
        for post in Post.objects.filter(thread=thread).order_by("created_at", "id"):
            published = not (post.is_deleted or post.awaiting_approval)
            if published:
                position += 1
            new_position = position
            if post.position != new_position:
                post.position = new_position
                changed.append(post)
        Post.objects.bulk_update(changed, ["position"])
        first = Post.objects.filter(thread=thread).order_by("created_at", "id").first()
        thread.first_post = first
        thread.save(update_fields=["first_post"])
        _refresh_thread_tail(thread)


def resync_forum(forum: Forum) -> None:
    """Rebuild a forum's totals from its threads (repair tool)."""
    with transaction.atomic():
        threads = Thread.objects.filter(forum=forum, redirect_to__isnull=True).visible()
        Forum.objects.filter(pk=forum.pk).update(
            thread_count=threads.count(),
            post_count=Post.objects.filter(thread__in=threads).published().count(),
        )
        _refresh_forum_last_post(forum.pk)


def resync_member(member: Member) -> None:
    Member.objects.filter(pk=member.pk).update(
        message_count=Post.objects.filter(author=member).visible().count()
    )


FLAG_ACTIONS = {
    ("is_locked", True): "thread_lock",
    ("is_locked", False): "thread_unlock",
    ("is_sticky", True): "thread_stick",
    ("is_sticky", False): "thread_unstick",
}


def set_thread_state(
    *,
    actor: Member,
    thread: Thread,
    is_locked: bool | None = None,
    is_sticky: bool | None = None,
    reason: str = "",
) -> Thread:
    """Lock/unlock and stick/unstick a thread (moderators). Only real changes are logged."""
    perms_for(actor).ensure_can_moderate_thread(thread)
    with transaction.atomic():
        current = Thread.objects.select_for_update().get(pk=thread.pk)
        changes = {
            name: value
            for name, value in (("is_locked", is_locked), ("is_sticky", is_sticky))
            if value is not None and getattr(current, name) != value
        }
        if changes:
            Thread.objects.filter(pk=thread.pk).update(**changes)
        for name, value in changes.items():
            log_action(
                actor=actor,
                action=FLAG_ACTIONS[name, value],
                target_kind="thread",
                target_id=thread.pk,
                target_title=current.title,
                reason=reason,
            )
    for name, value in changes.items():
        setattr(thread, name, value)
    return thread


def edit_thread(
    *,
    actor: Member,
    thread: Thread,
    title: str,
    source_name: str,
    source_url: str,
    reason: str = "",
) -> Thread:
    """A moderator corrects a thread's title or news source (the author changes the title by
    editing the first post). The slug follows the title; a real change is logged."""
    perms_for(actor).ensure_can_moderate_thread(thread)
    title = clean_title(title)
    source_name = clean_control_chars(source_name).strip()
    source_url = clean_source_url(source_url)
    with transaction.atomic():
        current = Thread.objects.select_for_update().get(pk=thread.pk)
        changes: dict[str, str] = {}
        if title != current.title:
            changes.update(title=title, slug=make_slug(title))
        if (source_name, source_url) != (current.source_name, current.source_url):
            changes.update(source_name=source_name, source_url=source_url)
        if not changes:
            return current
        Thread.objects.filter(pk=current.pk).update(**changes)
        log_action(
            actor=actor,
            action="thread_edit",
            target_kind="thread",
            target_id=current.pk,
            target_title=current.title,
            reason=clean_control_chars(reason).strip()[:REASON_MAX_CHARS],
            details={name: [getattr(current, name), value] for name, value in changes.items()},
        )
    for name, value in changes.items():
        setattr(thread, name, value)
    return thread


def _subtrees(forum_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each forum with its sub-forums at any depth."""
    children: dict[int | None, set[int]] = {}
    for pk, parent_id in Forum.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, set()).add(pk)
    trees: dict[int, set[int]] = {}
    for forum_id in forum_ids:
        tree: set[int] = set()
        todo = [forum_id]
        while todo:
            current = todo.pop()
            tree.add(current)
            todo.extend(children.get(current, set()) - tree)
        trees[forum_id] = tree
    return trees


def delete_forums(*, actor: Member, forums: Iterable[Forum]) -> None:
    """Delete forums for good, with their sub-forums, threads and posts (Django's admin does
    this). Every thread removed is a hard delete, so the actor must be allowed that for each
    one; an empty forum destroys no content and is the admin site's own decision. Members'
    message counts lose the removed posts, the permission tables (built from the forum tree)
    are retired, and each forum named is logged with how many threads went with it."""
    forums = list(forums)
    perms = perms_for(actor)
    with transaction.atomic():
        trees = _subtrees(f.pk for f in forums)
        ids: set[int] = set().union(*trees.values())
        threads = list(Thread.objects.select_for_update().filter(forum_id__in=ids).order_by("pk"))
        for thread in threads:
            perms.ensure_can_hard_delete(thread)
        with counters_follow(t.pk for t in threads):
            Forum.objects.filter(pk__in=ids).delete()  # threads, posts and stubs go with them
        forum_tree_changed()
        removed = Counter(t.forum_id for t in threads)
        for forum in forums:
            log_action(
                actor=actor,
                action="forum_delete",
                target_kind="forum",
                target_id=forum.pk,
                target_title=forum.title,
                details={"threads": sum(removed[f] for f in trees[forum.pk])},
            )


def delete_categories(*, actor: Member, categories: Iterable[Category]) -> None:
    """Delete categories with every forum in them (see `delete_forums`)."""
    categories = list(categories)
    with transaction.atomic():
        delete_forums(actor=actor, forums=Forum.objects.filter(category__in=categories))
        Category.objects.filter(pk__in=[c.pk for c in categories]).delete()


# --- Row-level helpers for moderation (no permission checks: callers check) -----------------


@dataclass
class _Tally:
    """What a set of threads contributes to forum totals and member message counts."""

    forums: set[int] = field(default_factory=set)  # every forum holding one of the threads
    threads: Counter[int] = field(default_factory=Counter)  # forum -> visible threads
    posts: Counter[int] = field(default_factory=Counter)  # forum -> visible posts
    authors: Counter[int] = field(default_factory=Counter)  # member -> visible posts


def _tally(thread_ids: set[int]) -> _Tally:
    tally = _Tally()
    rows = Thread.objects.filter(pk__in=thread_ids).values_list(
        "forum_id", "is_deleted", "awaiting_approval", "redirect_to_id"
    )
    for forum_id, deleted, held, redirect_to in rows:
        tally.forums.add(forum_id)
        if not (deleted or held or redirect_to):  # redirect stubs count in no totals
            tally.threads[forum_id] += 1
    posts = (
        Post.objects.filter(thread_id__in=thread_ids)
        .visible()
        .order_by()
        .values("thread__forum_id", "author_id")
        .annotate(n=Count("id"))
        .values_list("thread__forum_id", "author_id", "n")
    )
    for forum_id, author_id, n in posts:
        tally.posts[forum_id] += n
        if author_id is not None:
            tally.authors[author_id] += n
    return tally


@contextmanager
def counters_follow(thread_ids: Iterable[int]) -> Iterator[set[int]]:
    """Forum totals, forum last posts and member message counts follow whatever the block does
    to these threads (add the id of a thread the block creates to the yielded set). Runs
    inside the caller's transaction, with the thread rows locked."""
    ids = set(thread_ids)
    before = _tally(ids)
    yield ids
    after = _tally(ids)
    for forum_id in sorted(before.forums | after.forums):
        threads = after.threads[forum_id] - before.threads[forum_id]
        posts = after.posts[forum_id] - before.posts[forum_id]
        if threads or posts:
            Forum.objects.filter(pk=forum_id).update(
                thread_count=F("thread_count") + threads, post_count=F("post_count") + posts
            )
        _refresh_forum_last_post(forum_id)
    for author_id in sorted(before.authors.keys() | after.authors.keys()):
        if delta := after.authors[author_id] - before.authors[author_id]:
            Member.objects.filter(pk=author_id).update(message_count=F("message_count") + delta)


def _after(post: Post) -> QuerySet[Post]:
    """The posts that come after `post` in its thread's order."""
    return Post.objects.filter(thread_id=post.thread_id).filter(
        Q(created_at__gt=post.created_at) | Q(created_at=post.created_at, pk__gt=post.pk)
    )


def _shift_after(post: Post, delta: int) -> None:
    """`post` became published (+1) or stopped being so (-1): it and every later post move."""
    _after(post).update(position=F("position") + delta)
    post.position += delta


def _latest_first(posts: Iterable[Post]) -> list[Post]:
    # A shift moves only later posts, so working backwards keeps the earlier ones' positions.
    return sorted(posts, key=lambda p: (p.created_at, p.pk), reverse=True)


def hide_posts(
    thread: Thread, posts: Iterable[Post], *, by: Member, reason: str, now: datetime
) -> list[Post]:
    """Soft-delete posts of a locked thread (fresh rows, not its first post): each shares its
    predecessor's position from now on. Returns the posts that changed."""
    changed = []
    for post in _latest_first(p for p in posts if not p.is_deleted):
        if not post.awaiting_approval:
            _shift_after(post, -1)
        mark_deleted(post, by=by, reason=reason, now=now, also=["position"])
        changed.append(post)
    if changed:
        _refresh_thread_tail(thread)
    return changed


def unhide_posts(thread: Thread, posts: Iterable[Post]) -> list[Post]:
    """Undelete posts of a locked thread (fresh rows); a held post goes back to waiting."""
    changed = []
    for post in _latest_first(p for p in posts if p.is_deleted):
        if not post.awaiting_approval:
            _shift_after(post, +1)
        post.is_deleted = False
        post.deleted_at = None
        post.deleted_by = None
        post.delete_reason = ""
        post.save(
            update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason", "position"]
        )
        changed.append(post)
    if changed:
        _refresh_thread_tail(thread)
    return changed


def remove_posts(thread: Thread, posts: Iterable[Post]) -> None:
    """Delete posts of a locked thread for good (not its first post)."""
    for post in _latest_first(posts):
        if not (post.is_deleted or post.awaiting_approval):
            _shift_after(post, -1)
        Post.objects.filter(pk=post.pk).delete()  # the instance keeps its id for the log
    _refresh_thread_tail(thread)


def mark_deleted(
    obj: Thread | Post, *, by: Member, reason: str, now: datetime, also: Sequence[str] = ()
) -> None:
    """Flag a thread or post soft-deleted, recording who and why (`also`: other fields the
    caller changed on `obj` and wants saved in the same UPDATE). Counters are the caller's."""
    obj.is_deleted = True
    obj.deleted_at = now
    obj.deleted_by = by
    obj.delete_reason = reason
    obj.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason", *also])


def hide_thread(thread: Thread, *, by: Member, reason: str, now: datetime) -> None:
    mark_deleted(thread, by=by, reason=reason, now=now)


def unhide_thread(thread: Thread) -> None:
    thread.is_deleted = False
    thread.deleted_at = None
    thread.deleted_by = None
    thread.delete_reason = ""
    thread.save(update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason"])


def rebuild_first_post_info(thread: Thread) -> None:
    """After posts moved in or out: the thread starts where its first post does (author and
    date), as XenForo's rebuildFirstPostInfo does. Call after resync_thread."""
    thread.refresh_from_db(fields=["first_post"])
    first = thread.first_post
    if first is None:
        return
    thread.author_id = first.author_id
    thread.author_name = first.author_name
    thread.created_at = first.created_at
    thread.save(update_fields=["author", "author_name", "created_at"])


def rerender_posts(*, batch_size: int = 500) -> int:
    """Re-render posts stored by an older renderer (after RENDERER_VERSION is bumped). Runs in
    batches, each its own transaction, so a large board is never locked for long."""
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                Post.objects.filter(renderer_version__lt=RENDERER_VERSION)
                .only("id", "body_source")
                .order_by("id")[:batch_size]
            )
            if not batch:
                return done
            for post in batch:
                post.body_html = render_post(post.body_source)
                post.renderer_version = RENDERER_VERSION
            Post.objects.bulk_update(batch, ["body_html", "renderer_version"])
        done += len(batch)
