"""Forum, thread and post pages. Thin: fetch through permissions, call a service, redirect or
re-render with the member's text kept."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import redirect, render
from django.urls import get_script_prefix
from django.views.decorators.http import require_http_methods

from parley.activity import queries as activity_queries
from parley.activity import services as activity_services
from parley.activity.presence import blocks as presence_blocks
from parley.core import knobs, page_cache, params
from parley.core.markup import quote_source, render_post
from parley.core.pagination import PastTheEnd, page_count, page_from_box, page_of_position
from parley.forums import queries, services, view_counts
from parley.forums.forms import (
    EditPostForm,
    ReplyForm,
    ThreadForm,
    apply_service_error,
    new_client_token,
)
from parley.forums.models import Post, Thread
from parley.forums.post_cards import PostCard, post_cards
from parley.moderation.actions.queries import thread_tools
from parley.permissions.http import MemberRequest, ParleyRequest

AWAITING_APPROVAL = "Your message will be visible once a moderator approves it."


def _canonical(
    request: HttpRequest, slug: str | None, obj_slug: str, url: str
) -> HttpResponse | None:
    """The slug is cosmetic: a wrong or missing one is a permanent redirect to the right URL."""
    if slug != obj_slug:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(url + (f"?{query}" if query else ""))
    return None


# What a guest's cached page renders afresh (its presence block) and does besides rendering.
def _live_index(request: HttpRequest, kwargs: dict[str, object]) -> str:
    return presence_blocks.render(request, presence_blocks.online_sidebar(request))


def _live_forum(request: HttpRequest, kwargs: dict[str, object]) -> str:
    forum_id = int(str(kwargs["forum_id"]))
    return presence_blocks.render(request, presence_blocks.forum_viewers(request, forum_id))


def _live_thread(request: HttpRequest, kwargs: dict[str, object]) -> str:
    thread_id = int(str(kwargs["thread_id"]))
    return presence_blocks.render(request, presence_blocks.thread_viewers(request, thread_id))


def _count_thread_view(request: HttpRequest, kwargs: dict[str, object]) -> None:
    view_counts.record_view(int(str(kwargs["thread_id"])))


@page_cache.for_guests(live=_live_index)
def forum_index(request: ParleyRequest) -> HttpResponse:
    categories = queries.index_categories(request.perms)
    activity_queries.attach_forum_unread(
        request.perms, [forum for category in categories for forum in category.top_forums]
    )
    return render(
        request,
        "forums/forum_index.jinja",
        {"categories": categories, "presence": presence_blocks.online_sidebar(request)},
    )


@page_cache.for_guests(live=_live_forum)
def forum_view(
    request: ParleyRequest, forum_id: str, slug: str | None = None, page: str | None = None
) -> HttpResponse:
    forum = request.perms.get_forum(params.id_or_404(forum_id))
    number = params.page_or_404(page)
    url = forum.get_absolute_url() + (f"page-{number}" if number and number > 1 else "")
    if (response := _canonical(request, slug, forum.slug, url)) is not None:
        return response
    try:
        listing = queries.forum_threads(request.perms, forum, number)
    except PastTheEnd as past:  # the list got shorter since the link was made
        last = forum.get_absolute_url() + (f"page-{past.last}" if past.last > 1 else "")
        return redirect(last)
    activity_queries.attach_unread(request.perms, listing.threads)
    subforums = queries.subforums_of(request.perms, forum)
    activity_queries.attach_forum_unread(request.perms, subforums)
    return render(
        request,
        "forums/forum_view.jinja",
        {
            "forum": forum,
            "listing": listing,
            "subforums": subforums,
            "can_start_thread": request.perms.can_start_thread(forum),
            "presence": presence_blocks.forum_viewers(request, forum.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_post_thread(
    request: MemberRequest, forum_id: str, slug: str | None = None
) -> HttpResponse:
    forum = request.perms.get_forum(params.id_or_404(forum_id))
    request.perms.ensure_can_start_thread(forum)
    form = ThreadForm(request.POST or None, initial={"client_token": new_client_token()})
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_post(form.cleaned_data["body"])
        else:
            try:
                thread = services.create_thread(
                    actor=request.user, forum=forum, **form.cleaned_data
                )
                if thread.awaiting_approval:
                    messages.info(request, AWAITING_APPROVAL)
                return redirect(thread)
            except ValidationError as error:
                apply_service_error(form, error)
    return render(
        request, "forums/forum_post_thread.html", {"forum": forum, "form": form, "preview": preview}
    )


@page_cache.for_guests(live=_live_thread, on_hit=_count_thread_view)
def thread_view(
    request: ParleyRequest, thread_id: str, slug: str | None = None, page: str | None = None
) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    if thread.redirect_to_id:  # a "Moved" stub: readers go where the thread is now
        return HttpResponsePermanentRedirect(
            f"{get_script_prefix()}threads/{thread.slug}.{thread.redirect_to_id}/"
        )
    number = params.page_or_404(page)
    if "page" in request.GET:  # the "Go to page" box: a GET form, so no JavaScript is needed
        last = page_count(thread.last_position, knobs.POSTS_PER_PAGE.get())
        return redirect(thread.page_url(page_from_box(request.GET["page"], number or 1, last)))
    url = thread.page_url(number or 1)
    if (response := _canonical(request, slug, thread.slug, url)) is not None:
        return response
    try:
        post_page = queries.thread_posts(request.perms, thread, number)
    except PastTheEnd as past:  # posts were deleted or moved since the link was made
        return redirect(thread.page_url(past.last))
    view_counts.record_view(thread.pk)
    can_reply = request.perms.can_reply_to_thread(thread)
    mod = thread_tools(request.perms, thread, post_page.posts)
    cards = _show_posts(request, thread, post_page.posts, can_reply=can_reply, mod=mod is not None)
    return render(
        request,
        "forums/thread_view.jinja",
        {
            **_thread_context(request, thread),
            "posts": post_page.posts,
            "cards": cards,
            "mod": mod,
            "nav": post_page.nav,
            "views": thread.view_count + view_counts.pending_views(thread.pk),
            "reply_form": ReplyForm(initial={"client_token": new_client_token()})
            if can_reply
            else None,
            # Live updates only where new replies would appear: the last page.
            "live_after": thread.last_position if not post_page.nav.has_next else None,
            "presence": presence_blocks.thread_viewers(request, thread.pk),
        },
    )


def thread_new_replies(
    request: ParleyRequest, thread_id: str, slug: str | None = None
) -> HttpResponse:
    """Polled by an open thread page (htmx). `?after=N`: the last position the page shows.
    Nothing new: 204, so the poll costs one query and htmx leaves the page alone. New replies:
    a notice with a button; `&load=1` returns the posts themselves to append in place."""
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    after_position = params.query_int(request.GET, "after")
    if after_position is None:
        return HttpResponseBadRequest("after must be a post position")
    if thread.last_position <= after_position:
        return HttpResponse(status=204)
    context = {**_thread_context(request, thread), "after": after_position}
    if request.GET.get("load") != "1":
        context["new_count"] = thread.last_position - after_position
        return render(request, "forums/_new_replies.jinja", context)
    posts = queries.posts_after(request.perms, thread, after_position, knobs.LIVE_REPLIES_MAX.get())
    # As before, appended replies carry no moderator tools (this context has no `mod`).
    cards = _show_posts(request, thread, posts, can_reply=bool(context["can_reply"]), mod=False)
    context.update(cards=cards, live_after=posts[-1].position if posts else after_position)
    return render(request, "forums/_loaded_replies.jinja", context)


def _thread_context(request: ParleyRequest, thread: Thread) -> dict[str, object]:
    return {
        "thread": thread,
        "forum": thread.forum,
        "can_reply": request.perms.can_reply_to_thread(thread),
        "reply_url": thread.reply_url(),
        "live_poll_seconds": knobs.LIVE_POLL_SECONDS.get(),
    }


def _show_posts(
    request: ParleyRequest, thread: Thread, posts: list[Post], *, can_reply: bool, mod: bool
) -> list[PostCard]:
    """The posts as the template prints them, and the reader's read marker moved on."""
    cards = post_cards(request.perms, thread, posts, can_reply=can_reply, moderating=mod)
    if request.perms.member is not None and posts:
        activity_services.mark_thread_read(
            member=request.perms.member, thread=thread, up_to=posts[-1].created_at
        )
    return cards


@login_required
@require_http_methods(["GET", "POST"])
def thread_reply(request: MemberRequest, thread_id: str, slug: str | None = None) -> HttpResponse:
    thread = request.perms.get_thread(params.id_or_404(thread_id))
    request.perms.ensure_can_reply_to_thread(thread)
    initial = {"client_token": new_client_token(), "body": _quotes_for(request, thread)}
    form = ReplyForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_post(form.cleaned_data["body"])
        else:
            try:
                post = services.reply_to_thread(
                    actor=request.user,
                    thread=thread,
                    body=form.cleaned_data["body"],
                    client_token=form.cleaned_data["client_token"],
                )
                if post.awaiting_approval:
                    messages.info(request, AWAITING_APPROVAL)
                return redirect(post)
            except ValidationError as error:
                apply_service_error(form, error)
    return render(
        request,
        "forums/thread_reply.html",
        {"thread": thread, "forum": thread.forum, "form": form, "preview": preview},
    )


def _quotes_for(request: ParleyRequest, thread: Thread) -> str:
    """`?quote=12&quote=15` pre-fills the reply with those posts quoted (multi-quote)."""
    ids = params.query_ids(request.GET.getlist("quote"), limit=10)
    if not ids:
        return ""
    posts = request.perms.visible_posts(Post.objects.filter(pk__in=ids, thread=thread))
    return "".join(_quote(p) for p in posts.order_by("position"))


def _quote(post: Post) -> str:
    return quote_source(
        author_name=post.author_name,
        post_id=post.pk,
        member_id=post.author_id,
        body_source=post.body_source,
    )


def post_redirect(request: ParleyRequest, post_id: int) -> HttpResponse:
    """`/posts/<id>/` goes to the page of the thread that holds the post, at its anchor."""
    post = request.perms.get_post(post_id)
    page = page_of_position(post.position, knobs.POSTS_PER_PAGE.get())
    return redirect(f"{post.thread.page_url(page)}#post-{post.pk}")


def post_quote(request: ParleyRequest, post_id: int) -> HttpResponse:
    """The quote BBCode for one post, fetched by the Quote button's script."""
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_reply_to_thread(post.thread)
    return HttpResponse(_quote(post), content_type="text/plain; charset=utf-8")


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_edit_post(post)
    edits_title = post.pk == post.thread.first_post_id
    initial = {"body": post.body_source, "edit_count": post.edit_count, "title": post.thread.title}
    form = EditPostForm(request.POST or None, initial=initial, edits_title=edits_title)
    conflict = preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_post(form.cleaned_data["body"])
        else:
            try:
                services.edit_post(
                    actor=request.user,
                    post=post,
                    body=form.cleaned_data["body"],
                    base_edit_count=form.cleaned_data["edit_count"],
                    title=form.cleaned_data.get("title") if edits_title else None,
                )
                return redirect(post)
            except services.EditConflict as error:
                conflict = error.current
                # Resubmitting now overwrites knowingly: the form moves to the current version.
                data = request.POST.copy()  # what the form is bound to
                data["edit_count"] = str(conflict.edit_count)
                form.data = data
            except ValidationError as error:
                apply_service_error(form, error)
    return render(
        request,
        "forums/post_edit.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "form": form,
            "conflict": conflict,
            "preview": preview,
        },
    )


def _deleted_message(request: MemberRequest, post: Post) -> str:
    """What the member who deleted `post` is told, on the page they land on."""
    if post.pk == post.thread.first_post_id:
        return "Thread deleted (moderators see it)."
    if post.author_id == request.user.pk:
        return "Your post was deleted."
    return "Post deleted (moderators see it)."


@login_required
@require_http_methods(["GET", "POST"])
def post_delete(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_delete_post(post)
    if request.method == "POST":
        services.delete_post(actor=request.user, post=post)
        messages.success(request, _deleted_message(request, post))
        page = page_of_position(max(post.position - 1, 1), knobs.POSTS_PER_PAGE.get())
        return redirect(post.thread.page_url(page))
    return render(
        request,
        "forums/post_delete.html",
        {"post": post, "thread": post.thread, "forum": post.thread.forum},
    )
