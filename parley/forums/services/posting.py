"""Members' posting: starting a thread, replying, editing and deleting their posts.

A member's new posts are checked and written one at a time (`serialize_posting`), so the
client token (a double-clicked submit finds the first post) and the posting gate's flood and
duplicate checks hold under concurrent requests, whichever worker serves them. The thread row
is locked while a position is assigned, and every counter that includes a post moves in the
post's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from parley.accounts.models import Member
from parley.core import row_writes
from parley.core.markup import RENDERER_VERSION, clean_control_chars
from parley.core.prepared import PreparedQuery
from parley.core.slugs import make_slug
from parley.forums import hooks
from parley.forums.models import REASON_MAX_CHARS, Forum, Post, Prefix, Thread
from parley.forums.services.counters import counters_follow
from parley.forums.services.positions import hide_posts, hide_thread
from parley.forums.services.text import (
    RenderedBody,
    clean_source_url,
    clean_title,
    prepare_body,
)
from parley.permissions.guardian import perms_for


class EditConflict(Exception):
    """The post changed after the editor was opened; the caller shows both versions."""

    def __init__(self, current: Post) -> None:
        super().__init__("This post was changed by someone else while you were editing it.")
        self.current = current


# pg_advisory_xact_lock(space, member) keys: this number marks "one member's posting".
POSTING_LOCK_SPACE = 0x50_4F_53_54  # "POST"


def serialize_posting(actor: Member) -> None:
    """Wait for, then hold until the transaction ends, the member's posting lock. Call it first
    in the posting transaction, before anything reads the member's posts (the client token, the
    gate's flood and duplicate checks) and before taking `now`.

    PostgreSQL: a transaction-scoped advisory lock per member. Not a row lock on the member: the
    posting path then locks a thread and a forum, while moderator actions lock a thread and then
    update its authors' member rows, and the two orders could deadlock. Nothing else takes this
    lock, so waiting for it never closes a cycle. SQLite: nothing to do, an IMMEDIATE
    transaction already holds the database's single write lock."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("serialize_posting() holds its lock for the caller's transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
            [POSTING_LOCK_SPACE, actor.pk % 2**31],  # two members may share a key: they wait
        )


# The reads of every reply, compiled once per process (core/prepared.py): compiling them cost
# several times what running them does.


def _post_by_token(values: Mapping[str, Any], shape: None) -> QuerySet[Post]:
    # `client_token != ''` repeats the unique index's condition, so the planner may use that
    # partial index (SQLite cannot tell a bound value is not ''); at most one row matches, so
    # no ORDER BY either. Otherwise the lookup walked every post of the member.
    return (
        Post.objects.select_related("thread")
        .filter(author_id=values["author_id"], client_token=values["token"])
        .exclude(client_token="")
        .order_by()[:1]
    )


def _locked_thread(values: Mapping[str, Any], shape: None) -> QuerySet[Thread]:
    return Thread.objects.select_for_update().filter(pk=values["thread_id"]).order_by()


def _forum_by_id(values: Mapping[str, Any], shape: None) -> QuerySet[Forum]:
    return Forum.objects.filter(pk=values["forum_id"]).order_by()


POST_BY_TOKEN = PreparedQuery(Post, _post_by_token, for_write=True)
LOCKED_THREAD = PreparedQuery(Thread, _locked_thread, for_write=True)
FORUM_BY_ID = PreparedQuery(Forum, _forum_by_id, for_write=True)


# Every column a new post is written with (the reply path's INSERT is built once: core/row_writes).
POST_FIELDS = [f.name for f in Post._meta.concrete_fields if not f.primary_key]


def _existing_post(actor: Member, client_token: str) -> Post | None:
    if not client_token:
        return None
    return POST_BY_TOKEN.first(None, author_id=actor.pk, token=client_token)


def _lock_thread(thread_id: int) -> Thread:
    """The thread's row, locked until the transaction ends (with its forum loaded)."""
    locked = LOCKED_THREAD.first(None, thread_id=thread_id)
    if locked is None:
        raise Thread.DoesNotExist("The thread is gone.")
    forum = FORUM_BY_ID.first(None, forum_id=locked.forum_id)
    if forum is not None:
        locked.forum = forum
    return locked


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
    post = Post(
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
    row_writes.insert(post, POST_FIELDS)
    if held_reply:
        hooks.index_posts([post])
        return post
    thread.last_position = post.position
    thread.reply_count = post.position - 1
    thread.last_post = post
    thread.last_post_at = now
    if thread.first_post_id is None:
        thread.first_post = post
    row_writes.update(
        Thread,
        thread.pk,
        values={
            "last_position": thread.last_position,
            "reply_count": thread.reply_count,
            "last_post": post.pk,
            "last_post_at": now,
            "first_post": thread.first_post_id,
        },
    )
    # A held thread's first post counts when it is approved; a deleted thread's posts count when
    # it is undeleted (moderators can still reply to it).
    if not (thread.awaiting_approval or thread.is_deleted):
        row_writes.update(
            Forum, thread.forum_id, values={"last_post": post.pk}, add={"post_count": 1}
        )
        row_writes.update(Member, actor.pk, add={"message_count": 1})
    hooks.index_posts([post])
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
            serialize_posting(actor)
            if existing := _existing_post(actor, client_token):
                return existing.thread
            now = now or timezone.now()  # after the wait: later than any post it waited for
            held = hooks.check_new_post(actor=actor, forum=forum, body=rendered.source, now=now)
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
            serialize_posting(actor)  # before the token and the gate look (see above)
            if existing := _existing_post(actor, client_token):
                return existing
            locked = _lock_thread(thread.pk)
            if locked.redirect_to_id:  # a "Moved" stub holds no posts
                raise PermissionDenied("This thread has moved; reply in its new place.")
            # Again on the locked row: the thread may have been locked, moved or deleted since
            # the caller loaded it.
            perms.ensure_can_reply_to_thread(locked)
            now = now or timezone.now()
            held = hooks.check_new_post(
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
    The replaced text goes to the revision hook (moderation's post history); an edit of someone
    else's post (a moderator's) also goes to the moderator log with its reason."""
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
            hooks.keep_revision(
                post=current,
                body_source=current.body_source,
                edited_by=actor,
                edited_at=edited_at,
                reason=reason,
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
            hooks.index_thread_starts([current.thread_id])
        hooks.index_posts([current])
        if current.author_id != actor.pk:
            hooks.log_moderator_action(
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
            hooks.log_moderator_action(
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
            hooks.log_moderator_action(
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
