"""Each request used to open the database afresh (SQLite: about 0.8 ms of opening and PRAGMAs,
as much as serving a cached page); connections are now kept between requests on both engines.

Django's test client switches off the closing of connections at the end of a request, so the
request signals a real server sends are sent here by hand."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a served request is
def test_one_connection_serves_request_after_request() -> None:
    connection.ensure_connection()
    first = connection.connection
    for _ in range(3):
        request_started.send(sender=None)
        connection.ensure_connection()
        request_finished.send(sender=None)
    assert connection.connection is first
