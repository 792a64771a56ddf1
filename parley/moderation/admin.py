"""Report reasons (edited here) and reports (only read here).

A report is handled in the report queue on the site: resolving or rejecting it tells its
reporters (alerts) and writes the moderator log, which an edit here would skip. Deleting one
would drop its reporters' complaints from the record, and deleting one complaint would leave the
report's count wrong, so neither is offered."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from parley.moderation.models import Report, ReportEntry, ReportReason


@admin.register(ReportReason)
class ReportReasonAdmin(admin.ModelAdmin):
    """A reason deleted here stays named on the complaints that cited it (`reason_title`)."""

    list_display = ["title", "display_order", "is_active"]
    list_editable = ["display_order", "is_active"]


class ReportEntryInline(admin.TabularInline):
    model = ReportEntry
    extra = 0
    readonly_fields = ["reporter", "reason", "reason_title", "message", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "post", "state", "report_count", "created_at"]
    list_filter = ["state"]
    inlines = [ReportEntryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
