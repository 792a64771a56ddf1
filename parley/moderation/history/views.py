"""A post's edit history page (moderators of its forum)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from parley.moderation.history.queries import post_versions
from parley.permissions.http import ParleyRequest


def post_history(request: ParleyRequest, post_id: int) -> HttpResponse:
    post = request.perms.get_post(post_id)
    request.perms.ensure_can_view_history(post)
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
