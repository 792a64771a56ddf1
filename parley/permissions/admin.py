"""Groups with their profile and permission entries, and forum moderators, in Django's admin.

Nothing here writes a row itself: every change goes through `parley.permissions.services`, which
retires the cached permission tables (the `perms` stamp) in the same transaction, so a member's
permissions change on their next request in every worker. That includes the changelist's bulk
"delete selected" action, which Django runs through `delete_queryset` outside any transaction."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from parley.permissions import services
from parley.permissions.models import ForumModerator, GroupProfile, PermissionEntry


class GroupProfileInline(admin.StackedInline[GroupProfile, Group]):
    model = GroupProfile
    can_delete = False


class PermissionEntryInline(admin.TabularInline[PermissionEntry, Group]):
    model = PermissionEntry
    extra = 1
    autocomplete_fields = ["forum"]


def _save_profiles(
    group: Group, formset: BaseInlineFormSet[GroupProfile, Group, ModelForm[GroupProfile]]
) -> None:
    for form in formset.forms:
        if form.has_changed() and form.cleaned_data:
            data = form.cleaned_data
            services.save_group_profile(
                group=group,
                user_title=data["user_title"],
                display_priority=data["display_priority"],
                edit_window_minutes=data["edit_window_minutes"],
            )


def _save_entries(
    group: Group, formset: BaseInlineFormSet[PermissionEntry, Group, ModelForm[PermissionEntry]]
) -> None:
    """Entries are keyed by (forum, permission): an edited row whose key changed clears the old
    key first. Clearing comes before setting, so a key one row gives up and another takes ends
    up set."""
    changed = [entry for entry, _ in formset.changed_objects]
    stored = PermissionEntry.objects.in_bulk([entry.pk for entry in changed])
    cleared = [*formset.deleted_objects]
    cleared += [
        stored[e.pk]
        for e in changed
        if (stored[e.pk].forum_id, stored[e.pk].permission) != (e.forum_id, e.permission)
    ]
    for entry in cleared:
        services.set_permission(
            group=group, permission=entry.permission, value=None, forum=entry.forum
        )
    for entry in [*changed, *formset.new_objects]:
        services.set_permission(
            group=group, permission=entry.permission, value=entry.value, forum=entry.forum
        )


class ParleyGroupAdmin(DjangoGroupAdmin):
    """Built-in groups (Guests, Registered, Moderators, Administrators) keep their names and
    cannot be deleted: code finds them by name."""

    inlines = [GroupProfileInline, PermissionEntryInline]
    fields = ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Group | None = None) -> list[str]:
        if obj is not None and services.is_system_group(obj):
            return ["name"]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        if obj is not None and services.is_system_group(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Group, form: ModelForm[Group], change: bool
    ) -> None:
        services.save_group(group=obj)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Group],
        formset: BaseInlineFormSet[Any, Group, ModelForm[Any]],  # either inline's
        change: bool,
    ) -> None:
        # Lists what changed (for the admin's history) without writing anything.
        formset.save(commit=False)
        if formset.model is GroupProfile:
            _save_profiles(form.instance, formset)
        elif formset.model is PermissionEntry:
            _save_entries(form.instance, formset)
        else:  # pragma: no cover - no other inlines
            raise NotImplementedError(formset.model)

    def delete_model(self, request: HttpRequest, obj: Group) -> None:
        services.delete_groups(groups=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Group]) -> None:
        services.delete_groups(groups=queryset)


admin.site.unregister(Group)
admin.site.register(Group, ParleyGroupAdmin)


@admin.register(ForumModerator)
class ForumModeratorAdmin(admin.ModelAdmin[ForumModerator]):
    """A moderator row is a pair: to change one, add the new pair and delete the old."""

    list_display = ["member", "forum"]
    autocomplete_fields = ["member", "forum"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: ForumModerator | None = None
    ) -> list[str]:
        return ["member", "forum"] if obj is not None else []

    def save_model(
        self,
        request: HttpRequest,
        obj: ForumModerator,
        form: ModelForm[ForumModerator],
        change: bool,
    ) -> None:
        if change:
            return  # both fields are read-only: nothing to store
        saved = services.add_forum_moderator(member=obj.member, forum=obj.forum)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: ForumModerator) -> None:
        services.remove_forum_moderators(moderators=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ForumModerator]) -> None:
        services.remove_forum_moderators(moderators=queryset)
