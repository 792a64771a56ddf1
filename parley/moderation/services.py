"""Moderation writes. Reporting is the first; the queue's actions come with moderation."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from parley import permissions
from parley.accounts.models import Member
from parley.core.markup import clean_control_chars
from parley.forums.models import Post
from parley.moderation.models import Report, ReportEntry, ReportReason


def report_post(*, actor: Member, post: Post, reason: ReportReason, message: str = "") -> Report:
    permissions.ensure_can_report(permissions.perms_for(actor), post)
    now = timezone.now()
    with transaction.atomic():
        report = (
            Report.objects.select_for_update()
            .filter(post=post, state__in=[Report.State.OPEN, Report.State.ASSIGNED])
            .first()
        ) or Report.objects.create(post=post, created_at=now)
        ReportEntry.objects.create(
            report=report,
            reporter=actor,
            reason=reason,
            reason_title=reason.title,
            message=clean_control_chars(message).strip(),
            created_at=now,
        )
        Report.objects.filter(pk=report.pk).update(report_count=F("report_count") + 1)
    return report
