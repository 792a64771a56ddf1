"""On PostgreSQL a search's words are written into its SQL, so each search is planned for its
own words and never runs as a generic plan made without them (which read every match of a
common word from the table). Only words of letters and digits ever become SQL text."""

from __future__ import annotations

import pytest
from django.db import connection

from parley.search.queries import _literal, tsquery_sql
from parley.search.terms import parse_query
from tests.search.support import SearchTestCase

HOSTILE = ["it's", "a'; DROP TABLE x; --", "%s", "50%", "back\\slash", "", " lead", "a:*:*", "_"]


def test_only_words_become_sql_text() -> None:
    for text in HOSTILE:
        with pytest.raises(ValueError):
            _literal(text)
    assert _literal("kelp crab") == "'kelp crab'"
    assert _literal("straße:*") == "'straße:*'"


def test_every_parsed_query_becomes_literals_only() -> None:
    for typed in ["O'Brien's \"kelp crab\" cormor* 100% <script>", "'; DROP TABLE", "ünï cödé*"]:
        sql, params = tsquery_sql(parse_query(typed).terms)
        assert params == []
        assert "%" not in sql and ";" not in sql


class PlannedPerSearchTests(SearchTestCase):
    def test_many_searches_leave_no_statement_waiting_for_words(self) -> None:
        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL's plan cache: the PostgreSQL pass checks it")
        words = ["kelp", "lighthouse", "teapot", "gazebo", "zephyr", "cormorant", "amber", "tide"]
        for word in words * 2:  # past psycopg's prepare threshold (5) for any one statement
            self.found(q=word)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%tsquery('english', $%"],
            )
            (parameterised,) = cursor.fetchone()
        assert parameterised == 0
