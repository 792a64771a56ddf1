"""PostgreSQL sessions for pages plan without parallel workers or JIT and prepare the queries
they run often (parley/settings says why), whatever else the URL's `?options=` set; on the
PostgreSQL pass, the live connection says so itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase

from tests.test_settings import run_python

SHOW_OPTIONS = (
    "from django.conf import settings; import json; "
    "print(json.dumps({a: d.get('OPTIONS', {}) for a, d in settings.DATABASES.items()}))"
)


def database_options(tmp_path: Path, **env: str) -> dict[str, dict[str, Any]]:
    """Each alias's OPTIONS, as the settings make them for these variables."""
    done = run_python(
        SHOW_OPTIONS,
        tmp_path,
        module="parley.settings",
        PARLEY_DATA_DIR=str(tmp_path / "data"),
        PARLEY_SECRET_KEY="k",
        **env,
    )
    assert done.returncode == 0, done.stderr
    options: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return options


def test_page_sessions_plan_without_parallel_workers_or_jit(tmp_path: Path) -> None:
    options = database_options(
        tmp_path,
        PARLEY_DATABASE_URL=(
            "postgres://u@db.example:5432/board?options=-c%20statement_timeout%3D5000"
        ),
        PARLEY_DATABASE_REPLICA_URLS="postgres://u@replica.example:5432/board",
    )
    assert options["default"]["options"] == (
        "-c max_parallel_workers_per_gather=0 -c jit=off -c statement_timeout=5000"
    )
    assert options["replica_0"]["options"] == "-c max_parallel_workers_per_gather=0 -c jit=off"
    for alias in ("default", "replica_0"):  # prepared statements, server-side binding
        assert options[alias]["server_side_binding"] is True
        assert options[alias]["prepare_threshold"] == 5


def test_a_url_can_turn_prepared_statements_off(tmp_path: Path) -> None:
    """For a connection pooler in transaction mode that does not keep prepared statements."""
    options = database_options(
        tmp_path,
        PARLEY_DATABASE_URL="postgres://u@db.example:5432/board?server_side_binding=false",
    )
    assert options["default"]["server_side_binding"] is False


class LiveSessionTests(TestCase):
    def test_the_connection_runs_with_them(self) -> None:
        if connection.vendor != "postgresql":
            pytest.skip("a PostgreSQL session setting: the PostgreSQL pass checks it")
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            self.assertEqual(cursor.fetchone()[0], "0")
            cursor.execute("SHOW jit")
            self.assertEqual(cursor.fetchone()[0], "off")
            cursor.execute("SHOW synchronous_commit")  # the test settings' own, kept
            self.assertEqual(cursor.fetchone()[0], "off")

    def test_a_query_run_often_is_prepared_on_the_server(self) -> None:
        if connection.vendor != "postgresql":
            pytest.skip("a PostgreSQL session setting: the PostgreSQL pass checks it")
        marker = "SELECT 20260 + %s AS parley_prepared_check"
        with connection.cursor() as cursor:
            for n in range(7):
                cursor.execute(marker, [n])
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%parley_prepared_check%"],
            )
            self.assertEqual(cursor.fetchone()[0], 1)
