from django.contrib import admin

from parley.moderation.models import Report, ReportEntry, ReportReason


@admin.register(ReportReason)
class ReportReasonAdmin(admin.ModelAdmin):
    list_display = ["title", "display_order", "is_active"]
    list_editable = ["display_order", "is_active"]


class ReportEntryInline(admin.TabularInline):
    model = ReportEntry
    extra = 0
    readonly_fields = ["reporter", "reason", "reason_title", "message", "created_at"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "post", "state", "report_count", "created_at"]
    list_filter = ["state"]
    inlines = [ReportEntryInline]
    raw_id_fields = ["post"]
