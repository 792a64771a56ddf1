"""A second database alias on the test database itself (Django's TEST MIRROR), added to the
settings as parley/settings adds a replica per URL: a "replica" with no lag, told apart from
the primary only by the alias a query ran on. For transactional tests (committed rows)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import override_settings


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
