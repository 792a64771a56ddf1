"""Reporting a post, and who may see and handle reports: a moderator of the reported post's
forum (administrators moderate everywhere). A report about a post in a forum the reader does
not moderate does not exist for them: it is absent from the queue and the badge, and its URLs
answer 404.

Reports are a moderation feature, above this layer: these questions take the report (anything
with a `post`) or a queryset of reports from the caller, and never import the model."""

from __future__ import annotations

from typing import Protocol, TypeVar

from django.db.models import Model, QuerySet

from parley.forums.models import Post
from parley.permissions.guardian.posts import PostGuardian
from parley.permissions.registry import MODERATE, REPORT


class Reported(Protocol):
    """A report, as far as permissions are concerned: the post it is about."""

    @property
    def post(self) -> Post: ...


ReportModel = TypeVar("ReportModel", bound=Model)


class ReportGuardian(PostGuardian):
    def can_report_post(self, post: Post) -> bool:
        return (
            self.can_act
            and post.author_id != self.member_id
            and not post.is_deleted
            and self.has(REPORT, post.thread.forum_id)
            and self.can_view_post(post)
        )

    def ensure_can_report_post(self, post: Post) -> None:
        self._ensure_not_banned()
        self._ensure(self.can_report_post(post), "You may not report this post.")

    def report_forum_ids(self) -> frozenset[int]:
        """The forums whose reports the reader sees."""
        return self.forums_with(MODERATE)

    def can_view_reports(self) -> bool:
        """May open the report queue (moderates at least one forum)."""
        return self.is_member and self.is_moderator

    def ensure_can_view_reports(self) -> None:
        self._ensure(self.can_view_reports(), "Only moderators can see reports.")

    def can_view_report(self, report: Reported) -> bool:
        return self.is_member and self.can_moderate_forum(report.post.thread.forum_id)

    def can_handle_report(self, report: Reported) -> bool:
        """Comment on, assign, resolve or reject (a banned moderator can only read)."""
        return self.can_act and self.can_view_report(report)

    def ensure_can_handle_report(self, report: Reported) -> None:
        # Seeing it and not being banned is all `can_handle_report` asks beyond membership.
        self._ensure(self.can_view_report(report), "No such report.", hidden=True)
        self._ensure_not_banned()

    def visible_reports(self, qs: QuerySet[ReportModel]) -> QuerySet[ReportModel]:
        if not self.is_member:
            return qs.none()
        return qs.filter(post__thread__forum_id__in=self.report_forum_ids())

    def get_report(self, reports: QuerySet[ReportModel], report_id: int) -> ReportModel:
        """The only way a view obtains a report, from `reports` (the caller's queryset, with
        what its page needs loaded): missing and invisible look the same (404)."""
        report = reports.filter(pk=report_id).first()
        if report is None or not self.can_view_report(report):  # type: ignore[arg-type]
            self._refuse("No such report.", hidden=True)
        return report
