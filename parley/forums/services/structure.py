"""The board's structure: creating categories, forums and prefixes (the demo, the tests and the
bench build boards through these), and removing forums (with their sub-forums, threads and
posts) and categories. `make_sticky` / `make_locked` set the two thread flags a seeded board
starts with; moderators change them through `threads.set_thread_state`, which logs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import models, transaction

from parley.accounts.models import Member
from parley.core.slugs import make_slug
from parley.forums import hooks
from parley.forums.models import Category, Forum, Prefix, Thread
from parley.forums.services.counters import counters_follow
from parley.permissions.guardian import perms_for
from parley.permissions.services import forum_tree_changed


def _next_order(
    qs: models.QuerySet[Category] | models.QuerySet[Forum] | models.QuerySet[Prefix],
) -> int:
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


def _subtrees(forum_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each forum with its sub-forums at any depth."""
    children: dict[int | None, set[int]] = {}
    for pk, parent_id in Forum.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, set()).add(pk)
    trees: dict[int, set[int]] = {}
    for forum_id in forum_ids:
        tree: set[int] = set()
        todo = [forum_id]
        while todo:
            current = todo.pop()
            tree.add(current)
            todo.extend(children.get(current, set()) - tree)
        trees[forum_id] = tree
    return trees


def delete_forums(*, actor: Member, forums: Iterable[Forum]) -> None:
    """Delete forums for good, with their sub-forums, threads and posts (Django's admin does
    this). Every thread removed is a hard delete, so the actor must be allowed that for each
    one; an empty forum destroys no content and is the admin site's own decision. Members'
    message counts lose the removed posts, the permission tables (built from the forum tree)
    are retired, and each forum named is logged with how many threads went with it."""
    forums = list(forums)
    perms = perms_for(actor)
    with transaction.atomic():
        trees = _subtrees(f.pk for f in forums)
        ids: set[int] = set().union(*trees.values())
        threads = list(Thread.objects.select_for_update().filter(forum_id__in=ids).order_by("pk"))
        for thread in threads:
            perms.ensure_can_hard_delete(thread)
        with counters_follow(t.pk for t in threads):
            Forum.objects.filter(pk__in=ids).delete()  # threads, posts and stubs go with them
        forum_tree_changed()
        removed = Counter(t.forum_id for t in threads)
        for forum in forums:
            hooks.log_moderator_action(
                actor=actor,
                action="forum_delete",
                target_kind="forum",
                target_id=forum.pk,
                target_title=forum.title,
                details={"threads": sum(removed[f] for f in trees[forum.pk])},
            )


def delete_categories(*, actor: Member, categories: Iterable[Category]) -> None:
    """Delete categories with every forum in them (see `delete_forums`)."""
    categories = list(categories)
    with transaction.atomic():
        delete_forums(actor=actor, forums=Forum.objects.filter(category__in=categories))
        Category.objects.filter(pk__in=[c.pk for c in categories]).delete()
