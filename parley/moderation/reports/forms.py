"""Report forms: the member's complaint, and the moderators' forms on a report's page (each of
those carries a prefix, since several share the page)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django import forms

from parley.moderation.discipline.forms import WARNING_DAYS
from parley.moderation.discipline.services import WARNING_MAX_POINTS
from parley.moderation.forms import DaysField, ReasonField, days_from_now
from parley.moderation.models import REPORT_MESSAGE_MAX_CHARS, ReportReason
from parley.moderation.reports.services import OUTCOME_REQUIRED, WARN_REASON_REQUIRED


class ReportForm(forms.Form):
    """A member's complaint: the rule the post breaks, and a note for the moderators."""

    reason = forms.ModelChoiceField(
        queryset=ReportReason.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Please choose the rule this post breaks."},
    )
    message = forms.CharField(
        required=False,
        max_length=REPORT_MESSAGE_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Anything the moderators should know.",
    )


class ReportCommentForm(forms.Form):
    prefix = "comment"

    body = forms.CharField(
        label="Comment",
        max_length=REPORT_MESSAGE_MAX_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please enter a comment."},
        help_text="Seen by moderators only.",
    )


class _OutcomeForm(forms.Form):
    outcome = ReasonField(
        label="Outcome",
        required_message=OUTCOME_REQUIRED,
        help_text="Sent to everyone who reported the post.",
    )


class ResolveKeywords(TypedDict):
    """`resolve_report`'s keywords beyond the actor and the report."""

    outcome: str
    delete_post: bool
    delete_reason: str
    warn_points: int
    warn_reason: str
    warn_expires_at: datetime | None


class ResolveReportForm(_OutcomeForm):
    prefix = "resolve"

    delete_post = forms.BooleanField(label="Delete the post", required=False)
    delete_reason = ReasonField(
        label="Reason for deleting",
        required=False,
        help_text="Shown to moderators with the deleted post; the outcome if left empty.",
    )
    warn_member = forms.BooleanField(label="Warn the member", required=False)
    warn_points = forms.IntegerField(
        label="Points", min_value=1, max_value=WARNING_MAX_POINTS, required=False
    )
    warn_reason = ReasonField(label="Reason for the warning", required=False)
    # The same choices as warning from a post, so both paths issue the same kind of warning.
    warn_expires_in = DaysField(label="Expires after", choices=WARNING_DAYS, initial="30")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("warn_member"):
            if not data.get("warn_points"):
                self.add_error("warn_points", "How many points does this warning carry?")
            if not data.get("warn_reason"):
                self.add_error("warn_reason", WARN_REASON_REQUIRED)
        return data

    def action_kwargs(self) -> ResolveKeywords:
        """The form's answers as `resolve_report` keywords."""
        data = self.cleaned_data
        warn = bool(data.get("warn_member"))
        return {
            "outcome": data["outcome"],
            "delete_post": bool(data.get("delete_post")),
            "delete_reason": data.get("delete_reason") or "",
            "warn_points": (data.get("warn_points") or 0) if warn else 0,
            "warn_reason": (data.get("warn_reason") or "") if warn else "",
            "warn_expires_at": days_from_now(data.get("warn_expires_in")) if warn else None,
        }


class RejectReportForm(_OutcomeForm):
    prefix = "reject"
