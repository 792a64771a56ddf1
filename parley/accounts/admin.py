"""Members in Django's admin.

What services keep is read-only here (message count, group title, last seen, email confirmation).
Groups go through `permissions.services.set_member_groups`, which retitles the member, retires
the permission tables and decides "staff" (who may open this admin site) from the groups. A
password set here goes through `accounts.services.set_member_password`, which ends the member's
sessions. A change saves only the columns the form changed, so counters kept by services in the
meantime are not written back."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from parley.accounts.models import Member
from parley.accounts.services import set_member_password
from parley.permissions.services import join_registered, set_member_groups

STAFF_HELP_TEXT = (
    "Set from the member's groups, not here: members of the Administrators or Moderators "
    "group, and superusers, may open this admin site. To give or take it, change their groups "
    "below (or their superuser status)."
)


class MemberChangeForm(UserChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff := self.fields.get("is_staff"):
            # Disabled: whatever is posted, the stored value stays (set_member_groups owns it).
            staff.disabled = True
            staff.help_text = STAFF_HELP_TEXT


class MemberPasswordForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> Member:
        usable = self.cleaned_data["set_usable_password"]
        set_member_password(
            member=self.user, password=self.cleaned_data["password1"] if usable else None
        )
        return self.user


@admin.register(Member)
class MemberAdmin(UserAdmin):
    """Members are not deleted here: their reports, warnings and bans would go with them (and
    report counts would no longer match). Untick "Active" to shut an account, or ban or
    spam-clean it on the site."""

    form = MemberChangeForm
    change_password_form = MemberPasswordForm
    list_display = ["username", "email", "date_joined", "message_count", "is_staff"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    fieldsets = (
        *(UserAdmin.fieldsets or ()),  # Django's own sections (the stubs allow None)
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

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Member, form: ModelForm, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            join_registered(obj)  # every member starts in Registered, as on the site
            return
        columns = {f.name for f in Member._meta.concrete_fields}
        if changed := [name for name in form.changed_data if name in columns]:
            obj.save(update_fields=changed)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[Any], change: bool
    ) -> None:
        groups = form.cleaned_data.pop("groups", None)  # saved by the service, not the form
        super().save_related(request, form, formsets, change)
        if change:
            member = form.instance
            set_member_groups(
                member=member, groups=member.groups.all() if groups is None else groups
            )
