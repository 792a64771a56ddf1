"""Reporting a post, and the moderators' report queue and report page. Thin: fetch through
permissions, call a service in `reports.services`, redirect (or re-render the page with what
was typed kept)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parley.moderation.models import Report
from parley.moderation.reports import queries as report_queries
from parley.moderation.reports import services as reports
from parley.moderation.reports.forms import (
    RejectReportForm,
    ReportCommentForm,
    ReportForm,
    ResolveReportForm,
)
from parley.permissions.http import MemberRequest


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request: MemberRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_report_post(post)
    already_reported = report_queries.has_reported(request.user.pk, post.pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and not already_reported and form.is_valid():
        try:
            reports.report_post(actor=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            already_reported = error.code == "already_reported"
            if not already_reported:
                form.add_error(None, error)
        else:
            messages.success(
                request, "Thank you for reporting this post. A moderator will look at it."
            )
            return redirect(post)
    return render(
        request,
        "moderation/reports/post_report.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "form": form,
            "already_reported": already_reported,
        },
    )


@login_required
@require_GET
def report_queue(request: MemberRequest) -> HttpResponse:
    request.perms.ensure_can_view_reports()
    filters = report_queries.QueueFilters.from_query(request.GET)
    queue = report_queries.report_queue(request.perms, filters)
    return render(request, "moderation/reports/report_queue.html", {"queue": queue})


@login_required
@require_GET
def report_detail(request: MemberRequest, report_id: int) -> HttpResponse:
    report = request.perms.get_report(report_queries.page_reports(), report_id)
    return _render_detail(request, report)


def _render_detail(request: MemberRequest, report: Report, **forms: Form) -> HttpResponse:
    can_handle = request.perms.can_handle_report(report)
    post = report.post
    context = {
        "detail": report_queries.report_detail(request.perms, report),
        "report": report,
        "post": post,
        "thread": post.thread,
        "forum": post.thread.forum,
        "can_handle": can_handle,
        "can_act": can_handle and report.is_active,
        "assigned_to_me": report.assigned_to_id == request.user.pk,
        "comment_form": forms.get("comment_form") or ReportCommentForm(),
        "resolve_form": forms.get("resolve_form") or ResolveReportForm(),
        "reject_form": forms.get("reject_form") or RejectReportForm(),
    }
    return render(request, "moderation/reports/report_detail.html", context)


def _done(request: MemberRequest, report: Report, anchor: str = "") -> HttpResponse:
    return redirect(reverse("report-detail", args=[report.pk]) + anchor)


def _refused(request: MemberRequest, report: Report, error: ValidationError) -> HttpResponse:
    """A refusal that is not about the form (the report was closed meanwhile)."""
    for message in error.messages:
        messages.error(request, message)
    return _done(request, report)


@login_required
@require_POST
def report_comment(request: MemberRequest, report_id: int) -> HttpResponse:
    report = request.perms.get_report(report_queries.page_reports(), report_id)
    request.perms.ensure_can_handle_report(report)
    form = ReportCommentForm(request.POST)
    if form.is_valid():
        try:
            reports.comment_on_report(
                actor=request.user, report=report, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return _done(request, report, "#comments")
    return _render_detail(request, report, comment_form=form)


@login_required
@require_POST
def report_assign(request: MemberRequest, report_id: int) -> HttpResponse:
    report = request.perms.get_report(report_queries.page_reports(), report_id)
    request.perms.ensure_can_handle_report(report)
    assignee = request.user if request.POST.get("to") == "me" else None
    try:
        reports.assign_report(actor=request.user, report=report, assignee=assignee)
    except ValidationError as error:
        return _refused(request, report, error)
    messages.success(request, "Assigned to you." if assignee else "Unassigned.")
    return _done(request, report)


@login_required
@require_POST
def report_resolve(request: MemberRequest, report_id: int) -> HttpResponse:
    report = request.perms.get_report(report_queries.page_reports(), report_id)
    request.perms.ensure_can_handle_report(report)
    form = ResolveReportForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, report, resolve_form=form)
    try:
        reports.resolve_report(actor=request.user, report=report, **form.action_kwargs())
    except ValidationError as error:
        if error.code == "report_closed":
            return _refused(request, report, error)
        form.add_error(None, error)
        return _render_detail(request, report, resolve_form=form)
    messages.success(request, "Report resolved; the reporters have been told the outcome.")
    return redirect("report-queue")


@login_required
@require_POST
def report_reject(request: MemberRequest, report_id: int) -> HttpResponse:
    report = request.perms.get_report(report_queries.page_reports(), report_id)
    request.perms.ensure_can_handle_report(report)
    form = RejectReportForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, report, reject_form=form)
    try:
        reports.reject_report(actor=request.user, report=report, **form.cleaned_data)
    except ValidationError as error:
        if error.code == "report_closed":
            return _refused(request, report, error)
        form.add_error(None, error)
        return _render_detail(request, report, reject_form=form)
    messages.success(request, "Report rejected; the reporters have been told the outcome.")
    return redirect("report-queue")
