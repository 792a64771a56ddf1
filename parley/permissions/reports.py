"""Who may see and handle reports: a moderator of the reported post's forum (administrators
moderate everywhere). A report about a post in a forum the reader does not moderate does not
exist for them: it is absent from the queue and the badge, and its URLs answer 404."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from parley.permissions import Perms, _ensure_not_banned, can_moderate_forum
from parley.permissions.registry import MODERATE

if TYPE_CHECKING:
    from parley.moderation.models import Report


def report_forum_ids(perms: Perms) -> frozenset[int]:
    """The forums whose reports the reader sees."""
    return perms.forums_with(MODERATE)


def can_view_reports(perms: Perms) -> bool:
    """May open the report queue (moderates at least one forum)."""
    return perms.is_member and perms.is_moderator


def can_view_report(perms: Perms, report: Report) -> bool:
    return perms.is_member and can_moderate_forum(perms, report.post.thread.forum_id)


def can_handle_report(perms: Perms, report: Report) -> bool:
    """Comment on, assign, resolve or reject (a banned moderator can only read)."""
    return perms.can_act and can_view_report(perms, report)


def visible_reports(perms: Perms, qs: QuerySet[Report]) -> QuerySet[Report]:
    if not perms.is_member:
        return qs.none()
    return qs.filter(post__thread__forum_id__in=report_forum_ids(perms))


def ensure_can_view_reports(perms: Perms) -> None:
    if not can_view_reports(perms):
        raise PermissionDenied("Only moderators can see reports.")


def ensure_can_handle_report(perms: Perms, report: Report) -> None:
    if not can_view_report(perms, report):
        raise Http404("No such report.")
    _ensure_not_banned(perms)
    if not can_handle_report(perms, report):
        raise PermissionDenied("You may not handle this report.")


def get_report_for(perms: Perms, report_id: int) -> Report:
    """The only way a view obtains a report: missing and invisible look the same (404)."""
    from parley.moderation.models import Report

    report = (
        Report.objects.select_related(
            "post",
            "post__author",
            "post__thread",
            "post__thread__forum",
            "post__thread__forum__category",
            "post__thread__forum__parent",
            "assigned_to",
            "closed_by",
        )
        .filter(pk=report_id)
        .first()
    )
    if report is None or not can_view_report(perms, report):
        raise Http404("No such report.")
    return report
