"""The moderator log page (administrators only). Guests are sent to log in, as for the report
and approval queues; a member who may not read it then gets the guardian's 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from parley.moderation.log.forms import LogFilterForm
from parley.moderation.log.queries import known_actions, log_page
from parley.permissions.http import MemberRequest


@login_required
def moderator_log(request: MemberRequest) -> HttpResponse:
    request.perms.ensure_can_view_moderator_log()
    form = LogFilterForm(request.GET, actions=known_actions())
    data = form.cleaned_data if form.is_valid() else {}
    filters = {k: v for k, v in data.items() if k in ("action", "actor", "kind") and v}
    return render(
        request,
        "moderation/log/moderator_log.html",
        {"form": form, "page": log_page(data), "filter_query": urlencode(filters)},
    )
