"""Warning a post's author, banning a member (and lifting the ban), the spam cleaner. Thin:
fetch and ask through permissions, call a service in `discipline.services`, redirect (or
re-render with what the moderator typed)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from parley.accounts.models import Member
from parley.core import params
from parley.moderation.discipline import queries, services
from parley.moderation.discipline.forms import BanForm, LiftBanForm, SpamCleanForm, WarnForm
from parley.moderation.forms import days_from_now
from parley.permissions.http import MemberRequest

ACTIVE_WARNINGS_SHOWN = 20


def _member_for(member_id: str) -> Member:
    member = Member.objects.filter(pk=params.id_or_404(member_id), is_active=True).first()
    if member is None:
        raise Http404("No such member.")
    return member


# --- Warnings -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def post_warn(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    if post.author is None:
        raise Http404("The author of this post no longer exists.")
    request.perms.ensure_can_warn_member(post.author, post)
    form = WarnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.warn_member(
                actor=request.user,
                member=post.author,
                post=post,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                expires_at=days_from_now(form.cleaned_data["expires_in"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{post.author.username} was warned.")
            return redirect(post)
    warnings = queries.active_warnings(post.author).select_related("issued_by")
    return render(
        request,
        "moderation/discipline/post_warn.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "member": post.author,
            "form": form,
            "points": queries.active_warning_points(post.author),
            "warnings": warnings[:ACTIVE_WARNINGS_SHOWN],
        },
    )


# --- Bans and the spam cleaner ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_ban(request: MemberRequest, member_id: str, slug: str | None = None) -> HttpResponse:
    member = _member_for(member_id)
    request.perms.ensure_can_ban_member(member)
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ban_member(
                actor=request.user,
                member=member,
                reason=form.cleaned_data["reason"],
                ends_at=days_from_now(form.cleaned_data["length"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{member.username} is banned.")
            return redirect(member)
    return render(
        request,
        "moderation/discipline/member_ban.html",
        {
            "member": member,
            "form": form,
            "ban": queries.active_ban(member),
            "lift_form": LiftBanForm(),
            "points": queries.active_warning_points(member),
        },
    )


@login_required
@require_POST
def member_lift_ban(
    request: MemberRequest, member_id: str, slug: str | None = None
) -> HttpResponse:
    member = _member_for(member_id)
    request.perms.ensure_can_ban_member(member)
    form = LiftBanForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if services.lift_ban(actor=request.user, member=member, reason=reason):
        messages.success(request, f"The ban on {member.username} was lifted.")
    else:
        messages.info(request, f"{member.username} was not banned.")
    return redirect(member)


@login_required
@require_http_methods(["GET", "POST"])
def member_spam_clean(
    request: MemberRequest, member_id: str, slug: str | None = None
) -> HttpResponse:
    member = _member_for(member_id)
    request.perms.ensure_can_ban_member(member)
    form = SpamCleanForm(request.POST or None, initial={"reason": "Spam"})
    if request.method == "POST" and form.is_valid():
        result = services.clean_spammer(
            actor=request.user, member=member, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            f"Removed {result.threads} thread(s) and {result.posts} post(s) by "
            f"{member.username}, and banned them permanently.",
        )
        return redirect(member)
    threads, posts = queries.spam_footprint(member)
    return render(
        request,
        "moderation/discipline/member_spam_clean.html",
        {"member": member, "form": form, "thread_total": threads, "post_total": posts},
    )
