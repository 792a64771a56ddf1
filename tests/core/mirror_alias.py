"""A second database alias on the test database itself (Django's TEST MIRROR), added to the
settings as parley/settings adds a replica per URL: a "replica" with no lag, told apart from
the primary only by the alias a query ran on. For transactional tests (committed rows), with
the small board they read (`committed_thread`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings

from parley.forums import services
from parley.forums.models import Forum, Thread
from parley.forums.services.structure import create_category, create_forum
from parley.permissions.services import ensure_system_groups
from tests.world import make_member


@contextmanager
def mirrored_alias(alias: str) -> Iterator[str]:
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    databases = {
        **settings.DATABASES,
        alias: {**primary, "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS}},
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Overriding setting DATABASES")
        with override_settings(DATABASES=databases):
            _forget_database_settings()  # read again from the overridden setting
            # Opened here: the test case lets only the aliases it was set up with connect.
            connections[alias].connect()
            try:
                yield alias
            finally:
                connections[alias].close()
                del connections[alias]
        _forget_database_settings()


def _forget_database_settings() -> None:
    connections._settings = None  # type: ignore[attr-defined]
    connections.__dict__.pop("settings", None)


def committed_thread(*, replies: int = 0) -> Thread:
    """A thread in a forum of its own, with `replies` replies, for a transactional test."""
    ensure_system_groups()  # the flush between transactional tests empties the groups
    author = make_member("Writer")
    forum: Forum = create_forum(category=create_category(title="News"), title="Headlines")
    made = services.create_thread(actor=author, forum=forum, title="Ferry strike", body="Begun.")
    for _ in range(replies):
        services.reply_to_thread(actor=author, thread=made, body="Still on.")
    return made
