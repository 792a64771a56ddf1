"""A moderator's changes to a thread itself: lock and stick, title and news source. Each is
logged (through the moderator log hook) in the same transaction, only when something changed."""

from __future__ import annotations

from django.db import transaction

from parley.accounts.models import Member
from parley.core.markup import clean_control_chars
from parley.core.slugs import make_slug
from parley.forums import hooks
from parley.forums.models import REASON_MAX_CHARS, Thread
from parley.forums.services.text import clean_source_url, clean_title
from parley.permissions.guardian import perms_for

FLAG_ACTIONS = {
    ("is_locked", True): "thread_lock",
    ("is_locked", False): "thread_unlock",
    ("is_sticky", True): "thread_stick",
    ("is_sticky", False): "thread_unstick",
}


def set_thread_state(
    *,
    actor: Member,
    thread: Thread,
    is_locked: bool | None = None,
    is_sticky: bool | None = None,
    reason: str = "",
) -> Thread:
    """Lock/unlock and stick/unstick a thread (moderators). Only real changes are logged."""
    perms_for(actor).ensure_can_moderate_thread(thread)
    with transaction.atomic():
        current = Thread.objects.select_for_update().get(pk=thread.pk)
        changes = {
            name: value
            for name, value in (("is_locked", is_locked), ("is_sticky", is_sticky))
            if value is not None and getattr(current, name) != value
        }
        if changes:
            Thread.objects.filter(pk=thread.pk).update(**changes)
        for name, value in changes.items():
            hooks.log_moderator_action(
                actor=actor,
                action=FLAG_ACTIONS[name, value],
                target_kind="thread",
                target_id=thread.pk,
                target_title=current.title,
                reason=reason,
            )
    for name, value in changes.items():
        setattr(thread, name, value)
    return thread


def edit_thread(
    *,
    actor: Member,
    thread: Thread,
    title: str,
    source_name: str,
    source_url: str,
    reason: str = "",
) -> Thread:
    """A moderator corrects a thread's title or news source (the author changes the title by
    editing the first post). The slug follows the title; a real change is logged."""
    perms_for(actor).ensure_can_moderate_thread(thread)
    title = clean_title(title)
    source_name = clean_control_chars(source_name).strip()
    source_url = clean_source_url(source_url)
    with transaction.atomic():
        current = Thread.objects.select_for_update().get(pk=thread.pk)
        changes: dict[str, str] = {}
        if title != current.title:
            changes.update(title=title, slug=make_slug(title))
        if (source_name, source_url) != (current.source_name, current.source_url):
            changes.update(source_name=source_name, source_url=source_url)
        if not changes:
            return current
        Thread.objects.filter(pk=current.pk).update(**changes)
        if "title" in changes:
            hooks.index_thread_starts([current.pk])
        hooks.log_moderator_action(
            actor=actor,
            action="thread_edit",
            target_kind="thread",
            target_id=current.pk,
            target_title=current.title,
            reason=clean_control_chars(reason).strip()[:REASON_MAX_CHARS],
            details={name: [getattr(current, name), value] for name, value in changes.items()},
        )
    for name, value in changes.items():
        setattr(thread, name, value)
    return thread
