"""Groups with their profile and permission entries, and forum moderators, in Django's admin.
Every save retires the cached permission tables."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from parley.permissions import grants
from parley.permissions.models import ForumModerator, GroupProfile, PermissionEntry


class GroupProfileInline(admin.StackedInline):
    model = GroupProfile
    can_delete = False


class PermissionEntryInline(admin.TabularInline):
    model = PermissionEntry
    extra = 1
    autocomplete_fields = ["forum"]


class ParleyGroupAdmin(DjangoGroupAdmin):
    inlines = [GroupProfileInline, PermissionEntryInline]
    fields = ["name"]

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        grants.bump_version()

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        grants.bump_version()

    def delete_queryset(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        super().delete_queryset(request, queryset)
        grants.bump_version()


admin.site.unregister(Group)
admin.site.register(Group, ParleyGroupAdmin)


@admin.register(ForumModerator)
class ForumModeratorAdmin(admin.ModelAdmin):
    list_display = ["member", "forum"]
    autocomplete_fields = ["member", "forum"]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        grants.bump_version()

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        grants.bump_version()

    def delete_queryset(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        super().delete_queryset(request, queryset)
        grants.bump_version()
