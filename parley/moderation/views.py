from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from parley import permissions
from parley.moderation import report_queries, reports
from parley.moderation.forms import ReportForm


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request: HttpRequest, post_id: int) -> HttpResponse:
    post = permissions.get_post_for(request.perms, post_id)
    permissions.ensure_can_report(request.perms, post)
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
        "moderation/post_report.html",
        {
            "post": post,
            "thread": post.thread,
            "forum": post.thread.forum,
            "form": form,
            "already_reported": already_reported,
        },
    )
