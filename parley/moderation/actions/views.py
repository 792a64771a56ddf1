"""Moderator action pages: fetch through permissions, confirm destructive actions with a reason,
call a service in `actions.services`, redirect back with a message. POST-only where
nothing needs confirming.

Inline moderation posts the checked ids and an action to one endpoint per thread (posts) or
forum (threads); every id is re-fetched through permissions (`get_*_to_moderate_for`), and
actions that need more (a reason, a target) answer with their confirmation form first. Ticked
items sent without an action (the menu starts on "Choose an action…") are shown again with the
menu, so the selection is not lost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from parley.core import knobs, params
from parley.core.pagination import page_of_position
from parley.forums import services
from parley.forums.forms import apply_service_error
from parley.forums.models import Forum, Post, Thread
from parley.moderation.actions import services as actions
from parley.moderation.actions.forms import (
    POST_ACTIONS,
    THREAD_ACTIONS,
    DeleteForm,
    InlineForm,
    MergeForm,
    ModeratorEditForm,
    MoveForm,
    PrefixForm,
    SplitForm,
)
from parley.moderation.forms import days_from_now
from parley.permissions.http import MemberRequest

GET_POST = require_http_methods(["GET", "POST"])


class StateFlags(TypedDict, total=False):
    is_locked: bool
    is_sticky: bool


STATE_CHANGES: dict[str, tuple[StateFlags, str]] = {
    "lock": ({"is_locked": True}, "Thread locked."),
    "unlock": ({"is_locked": False}, "Thread unlocked."),
    "stick": ({"is_sticky": True}, "Thread stuck."),
    "unstick": ({"is_sticky": False}, "Thread unstuck."),
}


def _confirm(request: HttpRequest, template: str, form: Form, **context: object) -> HttpResponse:
    return render(request, f"moderation/actions/{template}", {"form": form, **context})


def _thread_context(thread: Thread) -> dict[str, object]:
    return {"thread": thread, "forum": thread.forum}


def _posts_page_url(thread: Thread, position: int) -> str:
    return thread.page_url(page_of_position(position, knobs.POSTS_PER_PAGE.get()))


def _submitted(request: HttpRequest) -> bool:
    """The confirmation form itself was sent (not the first, choosing step)."""
    return request.method == "POST" and "confirm" in request.POST


# --- One post -----------------------------------------------------------------------------------


@login_required
@GET_POST
def post_moderate_delete(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_moderate_post(post)
    hard_ok = request.perms.can_hard_delete(post)
    form = DeleteForm(request.POST if _submitted(request) else None, allow_hard=hard_ok)
    if form.is_bound and form.is_valid():
        reason, hard = form.cleaned_data["reason"], form.is_hard()
        actions.delete_posts(
            actor=request.user, thread=post.thread, posts=[post], reason=reason, hard=hard
        )
        messages.success(request, "Post deleted." if hard else "Post deleted (moderators see it).")
        if post.pk == post.thread.first_post_id:
            return redirect(post.thread.forum if hard else post.thread)
        return redirect(_posts_page_url(post.thread, post.position))
    is_first = post.pk == post.thread.first_post_id
    return _confirm(
        request,
        "post_delete.html",
        form,
        post=post,
        is_first=is_first,
        **_thread_context(post.thread),
    )


@login_required
@require_POST
def post_moderate_undelete(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_moderate_post(post)
    actions.undelete_post(actor=request.user, post=post)
    messages.success(request, "Post undeleted.")
    return redirect(post)


@login_required
@GET_POST
def post_moderate_edit(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_moderate_post(post)
    request.perms.ensure_can_edit_post(post)
    edits_title = post.pk == post.thread.first_post_id
    initial = {"body": post.body_source, "edit_count": post.edit_count, "title": post.thread.title}
    form = ModeratorEditForm(request.POST or None, initial=initial, edits_title=edits_title)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_post(
                actor=request.user,
                post=post,
                body=data["body"],
                base_edit_count=data["edit_count"],
                title=data.get("title") if edits_title else None,
                reason=data["reason"],
            )
            messages.success(request, "Post saved.")
            return redirect(post)
        except services.EditConflict:
            form.add_error(None, "Someone changed this post meanwhile; reload to see it.")
        except ValidationError as error:
            apply_service_error(form, error)
    return _confirm(request, "post_edit.html", form, post=post, **_thread_context(post.thread))


# --- One thread ---------------------------------------------------------------------------------


@login_required
@GET_POST
def thread_moderate_delete(
    request: MemberRequest, thread_id: str, slug: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_moderate_thread(thread)
    hard_ok = request.perms.can_hard_delete(thread)
    form = DeleteForm(request.POST if _submitted(request) else None, allow_hard=hard_ok)
    if form.is_bound and form.is_valid():
        hard = form.is_hard()
        actions.delete_threads(
            actor=request.user, threads=[thread], reason=form.cleaned_data["reason"], hard=hard
        )
        messages.success(
            request, "Thread deleted." if hard else "Thread deleted (moderators see it)."
        )
        return redirect(thread.forum if hard else thread)
    return _confirm(request, "thread_delete.html", form, **_thread_context(thread))


@login_required
@require_POST
def thread_moderate_undelete(
    request: MemberRequest, thread_id: str, slug: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_moderate_thread(thread)
    actions.undelete_thread(actor=request.user, thread=thread)
    messages.success(request, "Thread undeleted.")
    return redirect(thread)


@login_required
@require_POST
def thread_moderate_state(
    request: MemberRequest, thread_id: str, change: str, slug: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_moderate_thread(thread)
    flags, message = STATE_CHANGES[change]
    services.set_thread_state(actor=request.user, thread=thread, **flags)
    messages.success(request, message)
    return redirect(thread)


@login_required
@GET_POST
def thread_moderate_prefix(
    request: MemberRequest, thread_id: str, slug: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_moderate_thread(thread)
    form = PrefixForm(request.POST or None, initial={"prefix": thread.prefix_id})
    if request.method == "POST" and form.is_valid():
        actions.set_thread_prefix(actor=request.user, thread=thread, **form.cleaned_data)
        messages.success(request, "Prefix changed.")
        return redirect(thread)
    return _confirm(request, "thread_prefix.html", form, **_thread_context(thread))


@login_required
@GET_POST
def thread_moderate_move(
    request: MemberRequest, thread_id: str, slug: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_moderate_thread(thread)
    form = MoveForm(request.POST or None, perms=request.perms, thread=thread)
    if request.method == "POST" and form.is_valid():
        return _move(request, [thread], form) or redirect(thread)
    return _confirm(request, "thread_move.html", form, threads=[thread], **_thread_context(thread))


def _move(request: MemberRequest, threads: list[Thread], form: MoveForm) -> HttpResponse | None:
    """Move each thread; None when done (the caller redirects), else the form with the error."""
    data = form.cleaned_data
    try:
        actions.move_threads(
            actor=request.user,
            threads=threads,
            forum=data["forum"],
            leave_redirect=data["leave_redirect"],
            redirect_expires_at=days_from_now(data["redirect_days"]),
            reason=data["reason"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _confirm(request, "thread_move.html", form, threads=threads)
    messages.success(request, f"Moved to {data['forum'].title}.")
    return None


# --- Inline moderation --------------------------------------------------------------------------


@login_required
@require_POST
def thread_inline_posts(
    request: MemberRequest, thread_id: str, slug: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_moderate_thread(thread)
    form = InlineForm(request.POST, actions=POST_ACTIONS)
    if "ids" in form.errors:
        return _nothing_ticked(request, "posts", thread)
    posts = request.perms.get_posts_to_moderate(thread, form.cleaned_data["ids"])
    posts = sorted(posts, key=lambda p: (p.created_at, p.pk))
    if not form.is_valid():
        context = _inline_context("", posts, **_thread_context(thread))
        return _confirm(request, "inline_choose.html", form, noun="post", **context)
    return POST_HANDLERS[form.cleaned_data["action"]](request, thread, posts)


@login_required
@require_POST
def forum_inline_threads(
    request: MemberRequest, forum_id: str, slug: str | None = None
) -> HttpResponse:
    forum = request.perms.get_forum(params.id_or_404(forum_id))
    request.perms.ensure_can_moderate_threads_in(forum)
    form = InlineForm(request.POST, actions=THREAD_ACTIONS)
    if "ids" in form.errors:
        return _nothing_ticked(request, "threads", forum)
    threads = request.perms.get_threads_to_moderate(forum, form.cleaned_data["ids"])
    threads = sorted(threads, key=lambda t: t.pk)
    if not form.is_valid():
        context = _inline_context("", threads, forum=forum)
        return _confirm(request, "inline_choose.html", form, noun="thread", **context)
    return THREAD_HANDLERS[form.cleaned_data["action"]](request, forum, threads)


def _nothing_ticked(request: MemberRequest, noun: str, where: Thread | Forum) -> HttpResponse:
    """Back to the page the bar was on (its `next`), or to the thread or forum."""
    messages.error(request, f"Tick some {noun} first.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect(where)


PostsHandler = Callable[[MemberRequest, Thread, list[Post]], HttpResponse]
ThreadsHandler = Callable[[MemberRequest, Forum, list[Thread]], HttpResponse]


def _inline_context(action: str, items: Sequence[Model], **extra: object) -> dict[str, object]:
    return {"inline_action": action, "items": items, "ids": [i.pk for i in items], **extra}


def _posts_delete(request: MemberRequest, thread: Thread, posts: list[Post]) -> HttpResponse:
    hard_ok = all(request.perms.can_hard_delete(p) for p in posts)
    form = DeleteForm(request.POST if _submitted(request) else None, allow_hard=hard_ok)
    if form.is_bound and form.is_valid():
        reason, hard = form.cleaned_data["reason"], form.is_hard()
        actions.delete_posts(
            actor=request.user, thread=thread, posts=posts, reason=reason, hard=hard
        )
        messages.success(request, f"Deleted {len(posts)} post{'s' if len(posts) != 1 else ''}.")
        with_first = any(p.pk == thread.first_post_id for p in posts)
        return redirect(thread.forum if hard and with_first else thread)
    is_first = any(p.pk == thread.first_post_id for p in posts)
    context = _inline_context("delete", posts, is_first=is_first, **_thread_context(thread))
    return _confirm(request, "posts_delete.html", form, **context)


def _posts_undelete(request: MemberRequest, thread: Thread, posts: list[Post]) -> HttpResponse:
    actions.undelete_posts(actor=request.user, thread=thread, posts=posts)
    messages.success(request, "Posts undeleted.")
    return redirect(thread)


def _posts_split(request: MemberRequest, thread: Thread, posts: list[Post]) -> HttpResponse:
    form = SplitForm(
        request.POST if _submitted(request) else None, perms=request.perms, thread=thread
    )
    if form.is_bound and form.is_valid():
        try:
            new = actions.split_posts(
                actor=request.user, thread=thread, posts=posts, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"Split {len(posts)} post(s) into a new thread.")
            return redirect(new)
    context = _inline_context("split", posts, **_thread_context(thread))
    return _confirm(request, "posts_split.html", form, **context)


def _threads_delete(request: MemberRequest, forum: Forum, threads: list[Thread]) -> HttpResponse:
    hard_ok = all(request.perms.can_hard_delete(t) for t in threads)
    form = DeleteForm(request.POST if _submitted(request) else None, allow_hard=hard_ok)
    if form.is_bound and form.is_valid():
        reason, hard = form.cleaned_data["reason"], form.is_hard()
        actions.delete_threads(actor=request.user, threads=threads, reason=reason, hard=hard)
        messages.success(request, f"Deleted {len(threads)} thread(s).")
        return redirect(forum)
    context = _inline_context("delete", threads, forum=forum)
    return _confirm(request, "threads_delete.html", form, **context)


def _threads_move(request: MemberRequest, forum: Forum, threads: list[Thread]) -> HttpResponse:
    bound = request.POST if _submitted(request) else None
    form = MoveForm(bound, perms=request.perms, thread=threads[0])
    if form.is_bound and form.is_valid():
        return _move(request, threads, form) or redirect(forum)
    context = _inline_context("move", threads, forum=forum)
    return _confirm(request, "thread_move.html", form, threads=threads, **context)


def _threads_merge(request: MemberRequest, forum: Forum, threads: list[Thread]) -> HttpResponse:
    form = MergeForm(request.POST if _submitted(request) else None, threads=threads)
    if len(threads) < 2:
        messages.error(request, "Tick at least two threads to merge.")
        return redirect(forum)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        target = next(t for t in threads if t.pk == data["target"])
        try:
            actions.merge_threads(
                actor=request.user,
                target=target,
                sources=[t for t in threads if t.pk != target.pk],
                leave_redirects=data["leave_redirects"],
                redirect_expires_at=days_from_now(data["redirect_days"]),
                reason=data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Merged {len(threads)} threads.")
            return redirect(target)
    context = _inline_context("merge", threads, forum=forum)
    return _confirm(request, "threads_merge.html", form, **context)


def _threads_flags(**flags: bool) -> ThreadsHandler:
    def apply(request: MemberRequest, forum: Forum, threads: list[Thread]) -> HttpResponse:
        actions.set_threads_state(actor=request.user, threads=threads, **flags)
        messages.success(request, f"Updated {len(threads)} thread(s).")
        return redirect(forum)

    return apply


def _threads_undelete(request: MemberRequest, forum: Forum, threads: list[Thread]) -> HttpResponse:
    actions.undelete_threads(actor=request.user, threads=threads)
    messages.success(request, f"Undeleted {len(threads)} thread(s).")
    return redirect(forum)


POST_HANDLERS: dict[str, PostsHandler] = {
    "delete": _posts_delete,
    "undelete": _posts_undelete,
    "split": _posts_split,
}
THREAD_HANDLERS: dict[str, ThreadsHandler] = {
    "delete": _threads_delete,
    "undelete": _threads_undelete,
    "lock": _threads_flags(is_locked=True),
    "unlock": _threads_flags(is_locked=False),
    "stick": _threads_flags(is_sticky=True),
    "unstick": _threads_flags(is_sticky=False),
    "move": _threads_move,
    "merge": _threads_merge,
}
