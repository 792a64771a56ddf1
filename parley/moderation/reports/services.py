"""Report writes: a member's complaint (a few an hour at most), and the moderators' handling of
it (comments, assignment, resolving with an action, rejecting). Each checks permission first
and runs in one transaction with the moderator log; closing a report alerts every reporter in
that same transaction, so the alert exists exactly when the outcome does."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator

from parley.accounts.models import Member
from parley.core import knobs, ratelimit
from parley.core.markup import clean_control_chars
from parley.forums.models import Post
from parley.moderation.actions import services as actions
from parley.moderation.discipline import services as discipline
from parley.moderation.log.services import log_action
from parley.moderation.models import (
    REPORT_MESSAGE_MAX_CHARS,
    Report,
    ReportComment,
    ReportEntry,
    ReportReason,
)
from parley.moderation.reasons import clean_reason
from parley.moderation.reports.queries import ACTIVE_STATES
from parley.notifications.services import send_alerts
from parley.permissions.guardian import perms_for

ALERT_KIND = "report_closed"
ALERT_TITLE_CHARS = 80  # keeps "Your report on <title> was resolved: <outcome>" within an alert
OUTCOME_REQUIRED = "Please tell the reporters the outcome."
WARN_REASON_REQUIRED = "Please say why the member is warned."
REPORT_WINDOW_SECONDS = 60 * 60


def check_report_rate(member: Member) -> None:
    """Count one report by the member; refuse (ValidationError, code "rate_limited") once they
    have filed too many this hour. Call before writing the report."""
    limit = knobs.REPORTS_PER_HOUR.get()
    allowance = ratelimit.hit(f"report:member:{member.pk}", limit, REPORT_WINDOW_SECONDS)
    if not allowance.allowed:
        raise ValidationError(
            "You have sent a lot of reports recently. Please try again in "
            f"{allowance.retry_after_text}.",
            code="rate_limited",
        )


def _active_for_update(post: Post) -> Report | None:
    return Report.objects.select_for_update().filter(post=post, state__in=ACTIVE_STATES).first()


def report_post(*, actor: Member, post: Post, reason: ReportReason, message: str = "") -> Report:
    """Join the post's active report, or open one. A member complains once per active report:
    a second time raises ValidationError (code "already_reported") and writes nothing."""
    perms_for(actor).ensure_can_report_post(post)
    if not reason.is_active:
        raise ValidationError("Please choose the rule this post breaks.", code="reason_inactive")
    check_report_rate(actor)
    message = clean_control_chars(message).strip()[:REPORT_MESSAGE_MAX_CHARS]
    now = timezone.now()
    with transaction.atomic():
        report = _active_for_update(post)
        if report is None:
            try:
                # Two first complaints at once: the constraint lets one report in; the other
                # waits for it and joins it.
                with transaction.atomic():
                    report = Report.objects.create(post=post, created_at=now)
            except IntegrityError:
                report = _active_for_update(post)
                if report is None:
                    raise
        elif report.entries.filter(reporter=actor).exists():
            raise ValidationError(
                "You have already reported this post. A moderator will look at it.",
                code="already_reported",
            )
        ReportEntry.objects.create(
            report=report,
            reporter=actor,
            reason=reason,
            reason_title=reason.title,
            message=message,
            created_at=now,
        )
        Report.objects.filter(pk=report.pk).update(report_count=F("report_count") + 1)
    report.refresh_from_db(fields=["report_count"])
    return report


def comment_on_report(*, actor: Member, report: Report, body: str) -> ReportComment:
    perms_for(actor).ensure_can_handle_report(report)
    body = clean_control_chars(body).strip()[:REPORT_MESSAGE_MAX_CHARS]
    if not body:
        raise ValidationError("Please enter a comment.", code="body_empty")
    with transaction.atomic():
        return ReportComment.objects.create(
            report=report, author=actor, body=body, created_at=timezone.now()
        )


def _lock_active(report: Report) -> Report:
    """The report's row, locked; refuses a report someone else closed meanwhile."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if not locked.is_active:
        raise ValidationError(
            f"This report has already been {locked.get_state_display().lower()}.",
            code="report_closed",
        )
    return locked


def assign_report(*, actor: Member, report: Report, assignee: Member | None) -> Report:
    """Assign an active report to a moderator who may handle it, or (None) put it back open."""
    perms_for(actor).ensure_can_handle_report(report)
    if assignee is not None and not perms_for(assignee).can_handle_report(report):
        raise ValidationError(
            f"{assignee.username} cannot handle this report.", code="assignee_not_moderator"
        )
    with transaction.atomic():
        locked = _lock_active(report)
        locked.assigned_to = assignee
        locked.state = Report.State.ASSIGNED if assignee else Report.State.OPEN
        locked.save(update_fields=["assigned_to", "state"])
        log_action(
            actor=actor,
            action="report_assign" if assignee else "report_unassign",
            target_kind="report",
            target_id=report.pk,
            target_title=report.post.thread.title,
            details={"post_id": report.post_id, "assignee": assignee.username if assignee else ""},
        )
    report.assigned_to, report.state = locked.assigned_to, locked.state
    return report


_CLOSED = {
    Report.State.RESOLVED: ("resolved", "report_resolve"),
    Report.State.REJECTED: ("rejected", "report_reject"),
}


def _close(
    *,
    actor: Member,
    report: Report,
    state: Report.State,
    outcome: str,
    details: dict[str, object],
) -> None:
    """Close the locked report, log it and alert each reporter once (inside the transaction)."""
    report.state = state
    report.closed_by = actor
    report.closed_at = timezone.now()
    report.outcome = outcome
    report.save(update_fields=["state", "closed_by", "closed_at", "outcome"])
    post = Post.objects.select_related("thread", "thread__forum").get(pk=report.post_id)
    verb, action = _CLOSED[state]
    log_action(
        actor=actor,
        action=action,
        target_kind="report",
        target_id=report.pk,
        target_title=post.thread.title,
        reason=outcome,
        details={"post_id": post.pk, **details},
    )
    reporters = (
        ReportEntry.objects.filter(report=report)
        .order_by()
        .values_list("reporter_id", flat=True)
        .distinct()
    )
    title = Truncator(post.thread.title).chars(ALERT_TITLE_CHARS)
    send_alerts(
        member_ids=reporters,
        kind=ALERT_KIND,
        text=f"Your report on {title} was {verb}: {outcome}",
        url=_where_reporters_look(post),
    )


def _where_reporters_look(post: Post) -> str:
    """The post while it is public; else its thread; else the forum."""
    thread = post.thread
    if thread.is_deleted or thread.awaiting_approval:
        return thread.forum.get_absolute_url()
    if post.is_deleted or post.awaiting_approval:
        return thread.get_absolute_url()
    return post.get_absolute_url()


def resolve_report(
    *,
    actor: Member,
    report: Report,
    outcome: str,
    delete_post: bool = False,
    delete_reason: str = "",
    warn_points: int = 0,
    warn_reason: str = "",
    warn_expires_at: datetime | None = None,
) -> Report:
    """Close the report as upheld, optionally soft-deleting the post and warning its author
    (each action checks its own permission; any refusal undoes everything)."""
    perms_for(actor).ensure_can_handle_report(report)
    outcome = clean_reason(outcome, required=OUTCOME_REQUIRED)
    warn_reason = clean_reason(warn_reason)
    if warn_points < 0:
        raise ValidationError("Warning points cannot be negative.", code="warn_points")
    if warn_points and not warn_reason:
        raise ValidationError(WARN_REASON_REQUIRED, code="warn_reason")
    with transaction.atomic():
        locked = _lock_active(report)
        # As it is now, not as the moderator's page showed it.
        post = Post.objects.select_related("thread", "author").get(pk=locked.post_id)
        deleted = warned = False
        if delete_post and not post.is_deleted:
            actions.soft_delete_post(actor=actor, post=post, reason=delete_reason or outcome)
            deleted = True
        if warn_points and post.author is not None:  # selected with the post: no query
            discipline.warn_member(
                actor=actor,
                member=post.author,
                points=warn_points,
                reason=warn_reason,
                post=post,
                expires_at=warn_expires_at,
            )
            warned = True
        _close(
            actor=actor,
            report=locked,
            state=Report.State.RESOLVED,
            outcome=outcome,
            details={"deleted_post": deleted, "warn_points": warn_points if warned else 0},
        )
    return locked


def reject_report(*, actor: Member, report: Report, outcome: str) -> Report:
    """Close the report as unfounded; the post stays as it is."""
    perms_for(actor).ensure_can_handle_report(report)
    outcome = clean_reason(outcome, required=OUTCOME_REQUIRED)
    with transaction.atomic():
        locked = _lock_active(report)
        _close(actor=actor, report=locked, state=Report.State.REJECTED, outcome=outcome, details={})
    return locked
