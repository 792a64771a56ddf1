"""Reading the moderator log: newest first, filtered by action, actor and target kind, paged by
id (keyset) so every page costs the same two queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import get_script_prefix

from parley.moderation.log.phrases import action_detail, action_phrase
from parley.moderation.models import ModeratorLogEntry

LOG_PAGE_SIZE = 50
# Where each kind of target lives (slugs are optional in Parley URLs, so an id is enough).
TARGET_PATHS = {
    "post": "posts/{}/",
    "thread": "threads/{}/",
    "member": "members/{}/",
    "report": "reports/{}/",
}


@dataclass
class LogPage:
    entries: list[ModeratorLogEntry]
    older: int | None  # `before=` for the next (older) page
    newer: int | None  # `after=` for the previous (newer) page


def known_actions() -> list[str]:
    """Every action the log holds, for the filter's choices."""
    actions = ModeratorLogEntry.objects.order_by("action").values_list("action", flat=True)
    return list(actions.distinct())


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
        entry.action_phrase = action_phrase(entry.action)  # type: ignore[attr-defined]
        details = entry.details if isinstance(entry.details, dict) else {}
        entry.action_detail = action_detail(entry.action, details)  # type: ignore[attr-defined]
    return LogPage(
        entries=entries,
        older=entries[-1].pk if entries and has_older else None,
        newer=entries[0].pk if entries and has_newer else None,
    )
