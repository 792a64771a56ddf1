from django.contrib import admin

from parley.forums.models import Category, Forum, Prefix, Thread
from parley.permissions.services import forum_tree_changed


class TreeChangeAdmin(admin.ModelAdmin):
    """Saving or deleting changes the forum tree that permission tables are built from. The
    admin runs each of these in a transaction, so the permission stamp moves with the change."""

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        forum_tree_changed()

    def delete_model(self, request, obj) -> None:  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        forum_tree_changed()

    def delete_queryset(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        super().delete_queryset(request, queryset)
        forum_tree_changed()


@admin.register(Category)
class CategoryAdmin(TreeChangeAdmin):
    list_display = ["title", "display_order"]


@admin.register(Forum)
class ForumAdmin(TreeChangeAdmin):
    list_display = ["title", "category", "parent", "display_order", "thread_count", "post_count"]
    readonly_fields = ["thread_count", "post_count", "last_post"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


@admin.register(Prefix)
class PrefixAdmin(admin.ModelAdmin):
    list_display = ["title", "colour", "display_order"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    """Read-mostly: posting and moderation go through the site so counters stay right."""

    list_display = ["title", "forum", "author_name", "reply_count", "view_count", "last_post_at"]
    list_filter = ["forum"]
    search_fields = ["title"]
    readonly_fields = [
        "forum",
        "author",
        "author_name",
        "created_at",
        "reply_count",
        "view_count",
        "last_position",
        "first_post",
        "last_post",
        "last_post_at",
    ]
