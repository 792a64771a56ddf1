"""A member's alerts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parley.core import params
from parley.notifications import queries, services
from parley.permissions.http import MemberRequest


@login_required
@require_GET
def alert_list(request: MemberRequest) -> HttpResponse:
    """Newest first. Viewing the list marks every alert read (as forums do), in one UPDATE after
    the page's alerts were read, so this view still shows which ones are new."""
    page = queries.alerts_for(request.user, params.query_int(request.GET, "before"))
    services.mark_alerts_read(member=request.user)
    return render(request, "notifications/alert_list.html", {"page": page})
