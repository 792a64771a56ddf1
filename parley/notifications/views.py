"""A member's alerts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from parley.core import params
from parley.notifications import queries, services
from parley.permissions.http import MemberRequest


@login_required
@require_GET
def alert_list(request: MemberRequest) -> HttpResponse:
    """Newest first, the unread ones marked. Reading the page writes nothing (a prefetch or a
    second tab must not mark alerts read): its "Mark all read" button does."""
    page = queries.alerts_for(request.user, params.query_int(request.GET, "before"))
    return render(request, "notifications/alert_list.html", {"page": page})


@login_required
@require_POST
def alerts_mark_read(request: MemberRequest) -> HttpResponse:
    services.mark_alerts_read(member=request.user)
    return redirect("alert-list")
