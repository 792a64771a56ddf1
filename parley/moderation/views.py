from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from parley import permissions
from parley.moderation import services
from parley.moderation.forms import ReportForm


@login_required
@require_http_methods(["GET", "POST"])
def post_report(request: HttpRequest, post_id: int) -> HttpResponse:
    post = permissions.get_post_for(request.perms, post_id)
    permissions.ensure_can_report(request.perms, post)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_post(actor=request.user, post=post, **form.cleaned_data)
        messages.success(request, "Thank you for reporting this post. A moderator will look at it.")
        return redirect(post)
    return render(
        request,
        "moderation/post_report.html",
        {"post": post, "thread": post.thread, "forum": post.thread.forum, "form": form},
    )
