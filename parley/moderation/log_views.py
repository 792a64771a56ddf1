"""The moderator log page (administrators only): newest first, filterable by action, actor and
target kind, paged by id (keyset) so every page costs the same two queries."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix

from parley.moderation.models import ModeratorLogEntry
from parley.permissions.moderation import ensure_can_view_moderator_log

LOG_PAGE_SIZE = 50
TARGET_KINDS = [
    ("", "Anything"),
    ("post", "Posts"),
    ("thread", "Threads"),
    ("member", "Members"),
    ("report", "Reports"),
]
# Where each kind of target lives (slugs are optional in Parley URLs, so an id is enough).
TARGET_PATHS = {
    "post": "posts/{}/",
    "thread": "threads/{}/",
    "member": "members/{}/",
    "report": "reports/{}/",
}


class LogFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, max_length=50, label="Moderator")
    kind = forms.ChoiceField(required=False, choices=TARGET_KINDS, label="Target")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: object, actions: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["action"].choices = [("", "Any action")] + [(a, a) for a in actions]


@dataclass
class LogPage:
    entries: list[ModeratorLogEntry]
    older: int | None  # `before=` for the next (older) page
    newer: int | None  # `after=` for the previous (newer) page


def _filtered(data: dict[str, object]) -> QuerySet[ModeratorLogEntry]:
    qs = ModeratorLogEntry.objects.all()
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("actor"):
        qs = qs.filter(actor_name__iexact=str(data["actor"]).strip())
    if data.get("kind"):
        qs = qs.filter(target_kind=data["kind"])
    return qs


def log_page(data: dict[str, object], size: int = LOG_PAGE_SIZE) -> LogPage:
    """One page of entries. The log only grows, so ids order it as creation times do."""
    qs = _filtered(data)
    if data.get("after") is not None:
        rows = list(qs.filter(pk__gt=data["after"]).order_by("pk")[: size + 1])
        has_newer = len(rows) > size
        entries = list(reversed(rows[:size]))
        has_older = bool(entries)  # we came from an older page
    else:
        if data.get("before"):
            qs = qs.filter(pk__lt=data["before"])
        rows = list(qs.order_by("-pk")[: size + 1])
        entries = rows[:size]
        has_older, has_newer = len(rows) > size, bool(data.get("before")) and bool(entries)
    prefix = get_script_prefix()
    for entry in entries:
        path = TARGET_PATHS.get(entry.target_kind)
        entry.target_url = prefix + path.format(entry.target_id) if path else ""  # type: ignore[attr-defined]
    return LogPage(
        entries=entries,
        older=entries[-1].pk if entries and has_older else None,
        newer=entries[0].pk if entries and has_newer else None,
    )


def moderator_log(request: HttpRequest) -> HttpResponse:
    ensure_can_view_moderator_log(request.perms)
    known = ModeratorLogEntry.objects.order_by("action").values_list("action", flat=True)
    form = LogFilterForm(request.GET, actions=list(known.distinct()))
    data = form.cleaned_data if form.is_valid() else {}
    filters = {k: v for k, v in data.items() if k in ("action", "actor", "kind") and v}
    return render(
        request,
        "moderation/log.html",
        {"form": form, "page": log_page(data), "filter_query": urlencode(filters)},
    )
