"""Removing parts of the board's structure: forums (with their sub-forums, threads and posts)
and categories. Creating them is `forums.setup`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction

from parley.accounts.models import Member
from parley.forums import hooks
from parley.forums.models import Category, Forum, Thread
from parley.forums.services.counters import counters_follow
from parley.permissions.guardian import perms_for
from parley.permissions.services import forum_tree_changed


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
