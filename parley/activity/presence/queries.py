"""What presence blocks show: read from the backend, the reader added as they are now, titles
filtered through permissions. Each returns None when the backend cannot answer (pages leave the
block out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone

from parley.accounts.models import Member, member_url
from parley.activity.presence import locations
from parley.activity.presence.backends import (
    OnlineSummary,
    PresenceUnavailable,
    Viewers,
    VisitorRow,
    get_backend,
)
from parley.activity.presence.visitors import GUEST, MEMBER, ROBOT, Visitor, identify
from parley.activity.presence.window import window_start
from parley.forums.models import Forum, Thread
from parley.permissions.guardian import Perms
from parley.permissions.http import ParleyRequest

VISITORS_SHOWN = 100  # the current visitors list shows the newest this many
VISITOR_TYPES = {"members": MEMBER, "guests": GUEST, "robots": ROBOT}  # ?type= values


def viewers_at(request: HttpRequest, location_kind: str, location_id: int | None) -> Viewers | None:
    """Members and guests at one place, the reader among them (they are looking at it now)."""
    me = identify(request)
    try:
        result = get_backend().viewers(location_kind, location_id, window_start(), me.key)
    except PresenceUnavailable:
        return None
    result.add(me)
    return result


def online_summary(request: HttpRequest) -> OnlineSummary | None:
    me = identify(request)
    try:
        result = get_backend().online(window_start(), me.key)
    except PresenceUnavailable:
        return None
    result.add(me)
    return result


@dataclass(frozen=True)
class VisitorLine:
    """One current visitor as the list shows them: who, what they are doing, when."""

    kind: str
    name: str  # "Guest", the member's name or the robot's
    url: str  # the member's profile, else empty
    action: str  # "Viewing thread", "Viewing unknown page", …
    target: str  # the title of the thread/forum/member being viewed, else empty
    target_url: str
    seen_at: datetime


def current_visitors(
    request: ParleyRequest, kind: str | None, here: locations.Location
) -> list[VisitorLine] | None:
    """Everyone active in the window, newest first (the reader first, at `here`)."""
    me = identify(request)
    try:
        rows = get_backend().visitors(window_start(), kind, VISITORS_SHOWN)
    except PresenceUnavailable:
        return None
    rows = [r for r in rows if r.visitor.key != me.key]
    if (kind is None or kind == me.kind) and not (me.kind == MEMBER and me.is_invisible):
        rows.insert(0, VisitorRow(me, here.kind, here.id, timezone.now()))
    return _describe(request.perms, rows[:VISITORS_SHOWN])


def _describe(perms: Perms, rows: list[VisitorRow]) -> list[VisitorLine]:
    """At most one query per kind of object viewed: threads and forums through permissions, so
    a title the reader may not see reads "Viewing unknown page"."""
    ids: dict[str, set[int]] = {kind: set() for kind in locations.OBJECT_KINDS}
    for row in rows:
        if row.location_kind in ids and row.location_id is not None:
            ids[row.location_kind].add(row.location_id)
    targets: dict[tuple[str, int], tuple[str, str]] = {}
    if ids[locations.THREAD]:
        threads = Thread.objects.filter(pk__in=ids[locations.THREAD]).only("id", "title", "slug")
        for t in perms.visible_threads(threads):
            targets[locations.THREAD, t.pk] = (t.title, t.get_absolute_url())
    if ids[locations.FORUM]:
        forums = Forum.objects.filter(pk__in=ids[locations.FORUM]).only("id", "title", "slug")
        for f in perms.visible_forums(forums):
            targets[locations.FORUM, f.pk] = (f.title, f.get_absolute_url())
    if ids[locations.MEMBER_PROFILE]:
        members = Member.objects.filter(pk__in=ids[locations.MEMBER_PROFILE], is_active=True)
        for pk, username in members.values_list("pk", "username"):
            targets[locations.MEMBER_PROFILE, pk] = (username, member_url(pk, username))
    return [_line(row, targets) for row in rows]


def _line(row: VisitorRow, targets: dict[tuple[str, int], tuple[str, str]]) -> VisitorLine:
    kind = row.location_kind
    target, target_url = "", ""
    if kind in locations.OBJECT_KINDS:
        found = targets.get((kind, row.location_id)) if row.location_id is not None else None
        if found is None:
            kind = locations.UNKNOWN
        else:
            target, target_url = found
    return VisitorLine(
        kind=row.visitor.kind,
        name=_name(row.visitor),
        url=member_url(row.visitor.member_id, row.visitor.name)
        if row.visitor.kind == MEMBER and row.visitor.member_id is not None
        else "",
        action=locations.LABELS.get(kind, locations.LABELS[locations.UNKNOWN]),
        target=target,
        target_url=target_url,
        seen_at=row.seen_at,
    )


def _name(visitor: Visitor) -> str:
    if visitor.kind == GUEST:
        return "Guest"
    return visitor.name or ("Robot" if visitor.kind == ROBOT else "Member")
