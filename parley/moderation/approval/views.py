"""The approval queue and its approve / reject actions. Thin: fetch and ask through
permissions, call a service in `approval.services`, redirect (or re-render with what
the moderator typed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley.forums.models import Post, Thread
from parley.moderation.approval import queries, services
from parley.moderation.approval.forms import RejectForm
from parley.permissions.http import MemberRequest


@login_required
@require_GET
def approval_queue(request: MemberRequest) -> HttpResponse:
    request.perms.ensure_can_view_approval_queue()
    return render(
        request,
        "moderation/approval/approval_queue.html",
        {"queue": queries.approval_queue(request.perms), "reject_form": RejectForm()},
    )


def _held(request: MemberRequest, item: Post | Thread) -> bool:
    request.perms.ensure_can_approve(item)
    if item.awaiting_approval and not item.is_deleted:
        return True
    messages.info(request, "That was already handled by another moderator.")
    return False


@login_required
@require_POST
def approval_post_approve(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    if _held(request, post):
        services.approve_post(actor=request.user, post=post)
        messages.success(request, f"Approved the reply by {post.author_name}.")
    return redirect("approval-queue")


@login_required
@require_POST
def approval_thread_approve(request: MemberRequest, thread_id: int) -> HttpResponse:
    thread = request.perms.get_thread(thread_id)
    if _held(request, thread):
        services.approve_thread(actor=request.user, thread=thread)
        messages.success(request, f"Approved the thread “{thread.title}”.")
    return redirect("approval-queue")


def _reject(request: MemberRequest, item: Post | Thread) -> HttpResponse:
    if not _held(request, item):
        return redirect("approval-queue")
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if isinstance(item, Post):
            services.reject_post(actor=request.user, post=item, reason=reason)
        else:
            services.reject_thread(actor=request.user, thread=item, reason=reason)
        messages.success(request, "Rejected; the author was told why.")
        return redirect("approval-queue")
    return render(
        request,
        "moderation/approval/approval_reject.html",
        {"item": item, "is_post": isinstance(item, Post), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def approval_post_reject(request: MemberRequest, post_id: int) -> HttpResponse:
    return _reject(request, request.perms.get_post(post_id))


@login_required
@require_http_methods(["GET", "POST"])
def approval_thread_reject(request: MemberRequest, thread_id: int) -> HttpResponse:
    return _reject(request, request.perms.get_thread(thread_id))
