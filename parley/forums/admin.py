"""Board structure and threads in Django's admin.

Counters, positions and moderation state are read-only here; what the admin may change goes
through the services the site uses, so counters, the moderator log and the permission stamp
follow exactly as they do there."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from parley.accounts.models import Member
from parley.forums import services
from parley.forums.models import Category, Forum, Prefix, Thread
from parley.moderation.actions import services as actions
from parley.permissions.services import forum_tree_changed

_TreeModel = TypeVar("_TreeModel", bound=Category | Forum)


def _actor(request: HttpRequest) -> Member:
    """The member using the admin: the admin site lets in active staff only, never a guest."""
    if not isinstance(request.user, Member):
        raise PermissionDenied
    return request.user


class TreeChangeAdmin(admin.ModelAdmin[_TreeModel]):
    """Saving changes the forum tree that permission tables are built from; the admin saves in
    a transaction, so the permission stamp moves with the change. Deleting removes threads and
    posts, so it goes through `services.delete_forums` / `delete_categories`."""

    def save_model(
        self, request: HttpRequest, obj: _TreeModel, form: ModelForm[_TreeModel], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        forum_tree_changed()


@admin.register(Category)
class CategoryAdmin(TreeChangeAdmin[Category]):
    list_display = ["title", "display_order"]

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.delete_categories(actor=_actor(request), categories=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        services.delete_categories(actor=_actor(request), categories=queryset)


class ForumAdminForm(ModelForm[Forum]):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parent: Forum | None = data.get("parent")
        category: Category | None = data.get("category")
        if parent is None or category is None:
            return data
        if parent.category_id != category.pk:
            self.add_error("parent", "A sub-forum must be in the same category as its parent.")
        ancestor: Forum | None = parent
        seen: set[int] = set()
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == self.instance.pk:
                self.add_error("parent", "A forum cannot be inside itself or its sub-forums.")
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        return data


@admin.register(Forum)
class ForumAdmin(TreeChangeAdmin[Forum]):
    form = ForumAdminForm
    list_display = ["title", "category", "parent", "display_order", "thread_count", "post_count"]
    readonly_fields = ["thread_count", "post_count", "last_post"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]

    def delete_model(self, request: HttpRequest, obj: Forum) -> None:
        services.delete_forums(actor=_actor(request), forums=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Forum]) -> None:
        services.delete_forums(actor=_actor(request), forums=queryset)


@admin.register(Prefix)
class PrefixAdmin(admin.ModelAdmin[Prefix]):
    list_display = ["title", "colour", "display_order"]


class ThreadAdminForm(ModelForm[Thread]):
    """The service's own rules, so a refused title or link shows under its field."""

    source_url = forms.URLField(
        required=False,
        max_length=Thread._meta.get_field("source_url").max_length,
        assume_scheme="https",
    )

    def clean_title(self) -> str:
        return services.clean_title(self.cleaned_data["title"])

    def clean_source_url(self) -> str:
        return services.clean_source_url(self.cleaned_data["source_url"])


STATE_FIELDS = (
    "forum",
    "slug",
    "author",
    "author_name",
    "created_at",
    "is_deleted",
    "deleted_at",
    "deleted_by",
    "delete_reason",
    "awaiting_approval",
    "redirect_to",
    "redirect_expires_at",
    "reply_count",
    "view_count",
    "last_position",
    "first_post",
    "last_post",
    "last_post_at",
)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin[Thread]):
    """The title, news source, prefix, lock and sticky flag can be changed here, through the
    moderator services (each change logged). Deleting, undeleting, approving and moving are
    done on the site, where positions, counters and alerts follow; their fields are read-only.
    Threads are started on the site, not added here. Deleting here is the administrators'
    permanent delete (`moderation.actions.services.delete_threads`), counters and log included."""

    form = ThreadAdminForm
    list_display = ["title", "forum", "author_name", "reply_count", "view_count", "last_post_at"]
    list_filter = ["forum"]
    search_fields = ["title"]
    fieldsets = [
        (None, {"fields": ["title", "prefix", "source_name", "source_url"]}),
        ("Moderation", {"fields": ["is_locked", "is_sticky"]}),
        ("State (kept by the site's moderation tools)", {"fields": STATE_FIELDS}),
    ]
    readonly_fields = STATE_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Thread, form: ModelForm[Thread], change: bool
    ) -> None:
        actor, data, changed = _actor(request), form.cleaned_data, set(form.changed_data)
        if changed & {"title", "source_name", "source_url"}:
            services.edit_thread(
                actor=actor,
                thread=obj,
                title=data["title"],
                source_name=data["source_name"],
                source_url=data["source_url"],
            )
        if changed & {"is_locked", "is_sticky"}:
            services.set_thread_state(
                actor=actor, thread=obj, is_locked=data["is_locked"], is_sticky=data["is_sticky"]
            )
        if "prefix" in changed:
            actions.set_thread_prefix(actor=actor, thread=obj, prefix=data["prefix"])

    def delete_model(self, request: HttpRequest, obj: Thread) -> None:
        actions.delete_threads(actor=_actor(request), threads=[obj], hard=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Thread]) -> None:
        actions.delete_threads(actor=_actor(request), threads=list(queryset), hard=True)
