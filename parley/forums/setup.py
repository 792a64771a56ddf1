"""Board structure: categories, forums and prefixes, plus the two thread flags the demo seed sets.

There is no admin-facing service for these yet; until there is, this module is the one place
that writes them, so the demo and the tests build boards the same way."""

from __future__ import annotations

from django.db import models, transaction

from parley.core.slugs import make_slug
from parley.forums.models import Category, Forum, Prefix, Thread
from parley.permissions.services import forum_tree_changed


def _next_order(qs: models.QuerySet) -> int:
    # Appending keeps the order items were created in unless the caller says otherwise.
    current = qs.aggregate(top=models.Max("display_order"))["top"]
    return 0 if current is None else current + 1


def create_category(
    *, title: str, description: str = "", display_order: int | None = None
) -> Category:
    with transaction.atomic():
        if display_order is None:
            display_order = _next_order(Category.objects.all())
        return Category.objects.create(
            title=title.strip(), description=description.strip(), display_order=display_order
        )


def create_forum(
    *,
    category: Category,
    title: str,
    description: str = "",
    parent: Forum | None = None,
    display_order: int | None = None,
) -> Forum:
    if parent is not None and parent.category_id != category.pk:
        raise ValueError("A sub-forum must be in the same category as its parent.")
    with transaction.atomic():
        if display_order is None:
            display_order = _next_order(Forum.objects.filter(category=category, parent=parent))
        forum = Forum.objects.create(
            category=category,
            parent=parent,
            title=title.strip(),
            slug=make_slug(title),
            description=description.strip(),
            display_order=display_order,
        )
        forum_tree_changed()
        return forum


def create_prefix(*, title: str, colour: str = "grey", display_order: int | None = None) -> Prefix:
    if colour not in dict(Prefix.COLOURS):
        raise ValueError(f"Unknown prefix colour {colour!r}.")
    with transaction.atomic():
        if display_order is None:
            display_order = _next_order(Prefix.objects.all())
        return Prefix.objects.create(
            title=title.strip(), colour=colour, display_order=display_order
        )


def make_sticky(thread: Thread) -> None:
    thread.is_sticky = True
    thread.save(update_fields=["is_sticky"])


def make_locked(thread: Thread) -> None:
    thread.is_locked = True
    thread.save(update_fields=["is_locked"])
