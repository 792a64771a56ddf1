"""Approval queue, warnings, bans and the spam cleaner. Thin: fetch through permissions, ask
`permissions.abuse`, call a service, redirect (or re-render with what the moderator typed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley import permissions
from parley.accounts.models import Member
from parley.core import params
from parley.forums.models import Post, Thread
from parley.moderation import approval, discipline
from parley.moderation.abuse_forms import (
    BanForm,
    LiftBanForm,
    RejectForm,
    SpamCleanForm,
    WarnForm,
)
from parley.permissions import abuse

ACTIVE_WARNINGS_SHOWN = 20


def _member_for(member_id: str) -> Member:
    member = Member.objects.filter(pk=params.id_or_404(member_id), is_active=True).first()
    if member is None:
        raise Http404("No such member.")
    return member


# --- Approval queue -----------------------------------------------------------------------------


@login_required
@require_GET
def approval_queue(request: HttpRequest) -> HttpResponse:
    abuse.ensure_can_view_approval_queue(request.perms)
    return render(
        request,
        "moderation/abuse/approval_queue.html",
        {"queue": approval.approval_queue(request.perms), "reject_form": RejectForm()},
    )


def _held(request: HttpRequest, item: Post | Thread) -> bool:
    abuse.ensure_can_approve(request.perms, item)
    if item.awaiting_approval and not item.is_deleted:
        return True
    messages.info(request, "That was already handled by another moderator.")
    return False


@login_required
@require_POST
def approval_post_approve(request: HttpRequest, post_id: int) -> HttpResponse:
    post = permissions.get_post_for(request.perms, post_id)
    if _held(request, post):
        approval.approve_post(actor=request.user, post=post)
        messages.success(request, f"Approved the reply by {post.author_name}.")
    return redirect("approval-queue")


@login_required
@require_POST
def approval_thread_approve(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = permissions.get_thread_for(request.perms, thread_id)
    if _held(request, thread):
        approval.approve_thread(actor=request.user, thread=thread)
        messages.success(request, f"Approved the thread “{thread.title}”.")
    return redirect("approval-queue")


def _reject(request: HttpRequest, item: Post | Thread) -> HttpResponse:
    if not _held(request, item):
        return redirect("approval-queue")
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if isinstance(item, Post):
            approval.reject_post(actor=request.user, post=item, reason=reason)
        else:
            approval.reject_thread(actor=request.user, thread=item, reason=reason)
        messages.success(request, "Rejected; the author was told why.")
        return redirect("approval-queue")
    return render(
        request,
        "moderation/abuse/approval_reject.html",
        {"item": item, "is_post": isinstance(item, Post), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def approval_post_reject(request: HttpRequest, post_id: int) -> HttpResponse:
    return _reject(request, permissions.get_post_for(request.perms, post_id))


@login_required
@require_http_methods(["GET", "POST"])
def approval_thread_reject(request: HttpRequest, thread_id: int) -> HttpResponse:
    return _reject(request, permissions.get_thread_for(request.perms, thread_id))


# --- Warnings -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def post_warn(request: HttpRequest, post_id: int) -> HttpResponse:
    post = permissions.get_post_for(request.perms, post_id)
    if post.author is None:
        raise Http404("The author of this post no longer exists.")
    abuse.ensure_can_warn(request.perms, post.author, post)
    form = WarnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discipline.warn_member(
                actor=request.user,
                member=post.author,
                post=post,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                expires_at=form.expires_at(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{post.author.username} was warned.")
            return redirect(post)
    warnings = discipline.active_warnings(post.author).select_related("issued_by")
    return render(
        request,
        "moderation/abuse/post_warn.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "member": post.author,
            "form": form,
            "points": discipline.active_warning_points(post.author),
            "warnings": warnings[:ACTIVE_WARNINGS_SHOWN],
        },
    )


# --- Bans and the spam cleaner ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_ban(request: HttpRequest, member_id: str, slug: str | None = None) -> HttpResponse:
    member = _member_for(member_id)
    abuse.ensure_can_ban(request.perms, member)
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discipline.ban_member(
                actor=request.user,
                member=member,
                reason=form.cleaned_data["reason"],
                ends_at=form.ends_at(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{member.username} is banned.")
            return redirect(member)
    return render(
        request,
        "moderation/abuse/member_ban.html",
        {
            "member": member,
            "form": form,
            "ban": discipline.active_ban(member),
            "lift_form": LiftBanForm(),
            "points": discipline.active_warning_points(member),
        },
    )


@login_required
@require_POST
def member_lift_ban(request: HttpRequest, member_id: str, slug: str | None = None) -> HttpResponse:
    member = _member_for(member_id)
    abuse.ensure_can_ban(request.perms, member)
    form = LiftBanForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if discipline.lift_ban(actor=request.user, member=member, reason=reason):
        messages.success(request, f"The ban on {member.username} was lifted.")
    else:
        messages.info(request, f"{member.username} was not banned.")
    return redirect(member)


@login_required
@require_http_methods(["GET", "POST"])
def member_spam_clean(
    request: HttpRequest, member_id: str, slug: str | None = None
) -> HttpResponse:
    member = _member_for(member_id)
    abuse.ensure_can_ban(request.perms, member)
    form = SpamCleanForm(request.POST or None, initial={"reason": "Spam"})
    if request.method == "POST" and form.is_valid():
        result = discipline.clean_spammer(
            actor=request.user, member=member, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            f"Removed {result.threads} thread(s) and {result.posts} post(s) by "
            f"{member.username}, and banned them permanently.",
        )
        return redirect(member)
    threads, posts = discipline.spam_footprint(member)
    return render(
        request,
        "moderation/abuse/member_spam_clean.html",
        {"member": member, "form": form, "thread_total": threads, "post_total": posts},
    )
