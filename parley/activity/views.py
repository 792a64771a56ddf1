from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parley.forums import queries


def whats_new(request: HttpRequest) -> HttpResponse:
    """Threads with the newest activity the reader may see."""
    return render(
        request, "activity/whats_new.html", {"threads": queries.latest_threads(request.perms)}
    )
