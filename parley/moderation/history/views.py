"""A post's edit history page (moderators of its forum)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from parley import permissions
from parley.moderation.history.queries import post_versions
from parley.permissions import moderation as can


def post_history(request: HttpRequest, post_id: int) -> HttpResponse:
    post = permissions.get_post_for(request.perms, post_id)
    can.ensure_can_view_history(request.perms, post)
    return render(
        request,
        "moderation/history/post_history.html",
        {
            "post": post,
            "versions": post_versions(post),
            "thread": post.thread,
            "forum": post.thread.forum,
        },
    )
