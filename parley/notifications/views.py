"""A member's alerts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from parley.core import params
from parley.notifications import queries, services
from parley.permissions.http import MemberRequest


@login_required
@require_GET
def alert_list(request: MemberRequest) -> HttpResponse:
    """Newest first, the unread ones marked. Reading the page writes nothing (a prefetch or a
    second tab must not mark alerts read): following an alert (a POST button) marks that one,
    "Mark all read" marks them all."""
    page = queries.alerts_for(request.user, params.query_int(request.GET, "before"))
    return render(request, "notifications/alert_list.html", {"page": page})


@login_required
@require_POST
def alerts_mark_read(request: MemberRequest) -> HttpResponse:
    services.mark_alerts_read(member=request.user)
    return redirect("alert-list")


@login_required
@require_POST
def alert_open(request: MemberRequest, alert_id: int) -> HttpResponse:
    """Follow an alert: it is read from now on, and the member lands where it points."""
    url = services.open_alert(member=request.user, alert_id=alert_id)
    if url is None:
        raise Http404("No such alert.")
    return redirect(url if url_has_allowed_host_and_scheme(url, None) else "alert-list")
