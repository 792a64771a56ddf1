"""shim: removed once moderation is converted. Report questions now live in
`parley.permissions.guardian.reports` (`request.perms.can_handle_report(report)`, …), which
takes reports from its caller instead of importing the moderation model; each function here
asks the guardian the same question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

if TYPE_CHECKING:
    from parley.moderation.models import Report
    from parley.permissions.guardian import Perms


def report_forum_ids(perms: Perms) -> frozenset[int]:
    return perms.report_forum_ids()


def can_view_report(perms: Perms, report: Report) -> bool:
    return perms.can_view_report(report)


def can_handle_report(perms: Perms, report: Report) -> bool:
    return perms.can_handle_report(report)


def visible_reports(perms: Perms, qs: QuerySet[Report]) -> QuerySet[Report]:
    return perms.visible_reports(qs)


def ensure_can_view_reports(perms: Perms) -> None:
    perms.ensure_can_view_reports()


def ensure_can_handle_report(perms: Perms, report: Report) -> None:
    perms.ensure_can_handle_report(report)


def get_report_for(perms: Perms, report_id: int) -> Report:
    # The moderation reports module will own this queryset (a higher layer's model).
    from parley.moderation.models import Report

    return perms.get_report(
        Report.objects.select_related(
            "post",
            "post__author",
            "post__thread",
            "post__thread__forum",
            "post__thread__forum__category",
            "post__thread__forum__parent",
            "assigned_to",
            "closed_by",
        ),
        report_id,
    )
