"""What's new, the unread jump and "Mark … read". Thin: read through `queries`, write through
`services`, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from parley.activity import queries, services
from parley.core import knobs, params
from parley.core.pagination import page_of_position
from parley.forums import queries as forum_queries
from parley.permissions.http import MemberRequest, ParleyRequest

PAGE_PARAM_MAX_DIGITS = 4  # pages are capped far below this; longer input is junk


def _page(request: HttpRequest) -> int:
    """`?page=N`; anything that is not a positive number is ignored (page 1)."""
    value = request.GET.get("page", "")
    return params.parse_int(value, minimum=1, maximum=10**PAGE_PARAM_MAX_DIGITS - 1) or 1


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if ok else default


def whats_new(request: ParleyRequest) -> HttpResponse:
    """The hub: links to each listing, with the latest few of each."""
    threads = forum_queries.latest_threads(request.perms, limit=queries.HUB_THREADS_SHOWN)
    queries.attach_unread(request.perms, threads)
    members = queries.latest_members(limit=queries.HUB_MEMBERS_SHOWN)
    return render(request, "activity/whats_new.html", {"threads": threads, "members": members})


def whats_new_posts(request: ParleyRequest) -> HttpResponse:
    """Threads by latest activity; members may keep only unread ones or ones they posted in."""
    member_filters = ("unread", "participated")
    on = {name: request.perms.is_member and request.GET.get(name) == "1" for name in member_filters}
    feed = queries.new_posts(request.perms, page=_page(request), **on)
    queries.attach_unread(request.perms, feed.threads)
    query = urlencode({name: "1" for name, value in on.items() if value})
    return render(
        request,
        "activity/whats_new_posts.html",
        {"feed": feed, "filters": on, "page_query": f"?{query}&" if query else "?"},
    )


def whats_new_threads(request: ParleyRequest) -> HttpResponse:
    feed = queries.new_threads(request.perms, page=_page(request))
    queries.attach_unread(request.perms, feed.threads)
    return render(request, "activity/whats_new_threads.html", {"feed": feed, "page_query": "?"})


def whats_new_members(request: ParleyRequest) -> HttpResponse:
    return render(request, "activity/whats_new_members.html", {"members": queries.latest_members()})


def thread_unread(request: ParleyRequest, thread_id: str, slug: str | None = None) -> HttpResponse:
    """Jump to the reader's first unread post (its page and anchor), else to the last post."""
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    member = request.perms.member
    if member is None:
        return redirect(thread.get_absolute_url())
    moment = queries.read_point(member, thread)
    unread = thread.last_post_at > moment
    post = queries.first_post_after(request.perms, thread, moment) if unread else None
    post_id: int | None
    if post is not None:
        position, post_id = post.position, post.pk
    else:
        position, post_id = thread.last_position, thread.last_post_id
    page = page_of_position(position, knobs.POSTS_PER_PAGE.get())
    return redirect(thread.page_url(page) + (f"#post-{post_id}" if post_id else ""))


@login_required
@require_POST
def forum_mark_read(request: MemberRequest, forum_id: str, slug: str | None = None) -> HttpResponse:
    forum = request.perms.get_forum(params.id_or_404(forum_id))
    services.mark_forum_read(member=request.user, forum=forum)
    messages.success(request, f"{forum.title} is marked as read.")
    return redirect(forum)


@login_required
@require_POST
def forums_mark_read(request: MemberRequest) -> HttpResponse:
    services.mark_all_forums_read(member=request.user)
    messages.success(request, "All forums are marked as read.")
    return redirect(_next_url(request, default=reverse("whats-new")))
