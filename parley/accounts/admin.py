from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from parley.accounts.models import Member


@admin.register(Member)
class MemberAdmin(UserAdmin):
    list_display = ["username", "email", "date_joined", "message_count", "is_staff"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Forum",
            {
                "fields": (
                    "custom_title",
                    "time_zone",
                    "message_count",
                    "last_seen_at",
                    "email_confirmed_at",
                )
            },
        ),
    )
    readonly_fields = ["message_count", "last_seen_at", "group_title", "email_confirmed_at"]
    search_fields = ["username", "email"]

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        # Groups may have changed: refresh the member's title and the permission tables.
        from parley.permissions.services import set_member_groups

        set_member_groups(member=form.instance, groups=form.instance.groups.all())
