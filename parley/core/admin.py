from django.contrib import admin
from django.http import HttpRequest

from parley.core.models import FailedJob


@admin.register(FailedJob)
class FailedJobAdmin(admin.ModelAdmin[FailedJob]):
    """Read-only: rows are written by the job queue; administrators read and delete them."""

    list_display = ["task", "failed_at", "summary"]
    list_filter = ["task"]
    search_fields = ["task", "error"]
    date_hierarchy = "failed_at"
    readonly_fields = ["task", "task_id", "arguments", "error", "failed_at"]

    @admin.display(description="Error")
    def summary(self, job: FailedJob) -> str:
        # The last line of a traceback names the exception.
        lines = job.error.strip().splitlines()
        return lines[-1][:120] if lines else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FailedJob | None = None) -> bool:
        return False
