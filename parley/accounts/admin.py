from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from parley.accounts.models import Member


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = ["username", "email", "date_joined", "message_count", "is_staff"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Forum", {"fields": ("custom_title", "time_zone", "message_count", "last_seen_at")}),
    )
    readonly_fields = ["message_count", "last_seen_at"]
