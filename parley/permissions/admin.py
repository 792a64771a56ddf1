"""Groups with their profile and permission entries, and forum moderators, in Django's admin.
Every save retires the cached permission tables."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from parley.permissions import grants
from parley.permissions.models import ForumModerator, GroupProfile, PermissionEntry
from parley.permissions.services import refresh_member_titles


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

    # Members store their top group's title (shown on every post card): a group's title or
    # priority edited, or the group deleted, retitles its members.

    def save_related(self, request, form, formsets, change) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        refresh_member_titles(member_ids=form.instance.user_set.values_list("pk", flat=True))
        grants.bump_version()

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        members = list(obj.user_set.values_list("pk", flat=True))
        super().delete_model(request, obj)
        refresh_member_titles(member_ids=members)
        grants.bump_version()

    def delete_queryset(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        members = list(
            queryset.model.user_set.through.objects.filter(group__in=queryset).values_list(
                "member_id", flat=True
            )
        )
        super().delete_queryset(request, queryset)
        refresh_member_titles(member_ids=members)
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
