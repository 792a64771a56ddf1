"""Reading reports: the moderators' queue, one report's page, and the navigation badge. Every
read goes through the guardian's `perms.visible_reports`, so a moderator never sees a
report about a forum they do not moderate."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict

from parley.core import params
from parley.core.markup import plain_text
from parley.moderation.models import Report, ReportComment, ReportEntry
from parley.permissions.guardian import Perms

ACTIVE_STATES = (Report.State.OPEN, Report.State.ASSIGNED)
REPORTS_PER_PAGE = 30
EXCERPT_CHARS = 150

TABS = {
    "open": Report.State.OPEN,
    "assigned": Report.State.ASSIGNED,
    "resolved": Report.State.RESOLVED,
    "rejected": Report.State.REJECTED,
}


# --- The navigation badge -----------------------------------------------------------------------


def active_report_count(perms: Perms) -> int:
    """Open and assigned reports the reader may handle. Counted on every page a moderator opens
    (one COUNT on the state index), never cached: the badge must agree with the queue it links
    to, in every worker, on the very next request after a report is opened or closed."""
    if not perms.is_member or not perms.report_forum_ids():
        return 0
    return perms.visible_reports(Report.objects.filter(state__in=ACTIVE_STATES)).count()


# --- The queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    tab: str = "open"
    mine: bool = False  # the assigned tab: only reports assigned to the reader
    before: int | None = None  # keyset: reports older than this one

    @classmethod
    def from_query(cls, query: QueryDict) -> QueueFilters:
        tab = query.get("state", "open")
        return cls(
            tab=tab if tab in TABS else "open",
            mine=tab == "assigned" and query.get("to") == "me",
            before=params.query_int(query, "before"),
        )

    def query_string(self, **changes: object) -> str:
        tab = str(changes.get("tab", self.tab))
        parts = [f"state={tab}"]
        if tab == "assigned" and changes.get("mine", self.mine):
            parts.append("to=me")
        if changes.get("before"):
            parts.append(f"before={changes['before']}")
        return "?" + "&".join(parts)


@dataclass
class QueueRow:
    report: Report
    excerpt: str
    reasons: list[tuple[str, int]]  # (reason title, how many entries cite it)


@dataclass
class QueuePage:
    filters: QueueFilters
    rows: list[QueueRow]
    older: int | None  # `before` of the next page; None on the last one
    counts: dict[str, int] = field(default_factory=dict)  # open, assigned, mine

    @property
    def older_query(self) -> str:
        return self.filters.query_string(before=self.older) if self.older else ""


def report_queue(perms: Perms, filters: QueueFilters) -> QueuePage:
    """One page of the queue in three queries, however many reports and entries exist."""
    scope = perms.visible_reports(Report.objects.all())
    qs = (
        scope.filter(state=TABS[filters.tab])
        .select_related("post", "post__thread", "assigned_to", "closed_by")
        .order_by("-created_at", "-id")
    )
    if filters.mine:
        qs = qs.filter(assigned_to_id=perms.member_id)
    if filters.before:
        anchor = Report.objects.filter(pk=filters.before).values("created_at")[:1]
        qs = qs.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, pk__lt=filters.before))
    reports = list(qs[: REPORTS_PER_PAGE + 1])
    older = reports[REPORTS_PER_PAGE - 1].pk if len(reports) > REPORTS_PER_PAGE else None
    reports = reports[:REPORTS_PER_PAGE]
    reasons: dict[int, list[tuple[str, int]]] = {r.pk: [] for r in reports}
    if reports:
        cited = (
            ReportEntry.objects.filter(report_id__in=reasons)
            .values("report_id", "reason_title")
            .annotate(n=Count("id"))
            .order_by("report_id", "-n", "reason_title")
        )
        for row in cited:
            reasons[row["report_id"]].append((row["reason_title"], row["n"]))
    counts = scope.filter(state__in=ACTIVE_STATES).aggregate(
        open=Count("pk", filter=Q(state=Report.State.OPEN)),
        assigned=Count("pk", filter=Q(state=Report.State.ASSIGNED)),
        mine=Count("pk", filter=Q(state=Report.State.ASSIGNED, assigned_to_id=perms.member_id)),
    )
    rows = [
        QueueRow(
            report=r,
            excerpt=plain_text(r.post.body_html, EXCERPT_CHARS),
            reasons=reasons[r.pk],
        )
        for r in reports
    ]
    return QueuePage(filters=filters, rows=rows, older=older, counts=counts)


# --- One report ---------------------------------------------------------------------------------


def page_reports() -> QuerySet[Report]:
    """Reports with what a report's page (and the actions posted from it) reads loaded: the
    queryset a view hands to `perms.get_report`."""
    return Report.objects.select_related(
        "post",
        "post__author",
        "post__thread",
        "post__thread__forum",
        "post__thread__forum__category",
        "post__thread__forum__parent",
        "assigned_to",
        "closed_by",
    )


@dataclass
class ReportDetail:
    report: Report
    entries: list[ReportEntry]
    comments: list[ReportComment]
    earlier: list[Report]  # closed reports on the same post, newest first


EARLIER_REPORTS_SHOWN = 10


def report_detail(perms: Perms, report: Report) -> ReportDetail:
    """`report` comes from `perms.get_report`, so the reader may see it."""
    entries = list(report.entries.select_related("reporter").order_by("created_at", "id"))
    comments = list(report.comments.select_related("author").order_by("created_at", "id"))
    earlier = list(
        perms.visible_reports(Report.objects.filter(post_id=report.post_id))
        .exclude(pk=report.pk)
        .select_related("closed_by")
        .order_by("-created_at", "-id")[:EARLIER_REPORTS_SHOWN]
    )
    return ReportDetail(report=report, entries=entries, comments=comments, earlier=earlier)


def has_reported(member_id: int, post_id: int) -> bool:
    """Whether the member already complained in the post's active report."""
    return ReportEntry.objects.filter(
        reporter_id=member_id, report__post_id=post_id, report__state__in=ACTIVE_STATES
    ).exists()
