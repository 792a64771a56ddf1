"""Whatever arrives in the query string, the search answers with a page: unbalanced quotes,
either engine's operators, NUL bytes, emoji, ten thousand characters, only punctuation. The
terms that reach the engine are only words of letters and digits."""

from __future__ import annotations

import re
import unittest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from parley.search.terms import MAX_TERMS, MAX_WORD_CHARS, parse_query
from tests.core.parsed import parse
from tests.search.support import SearchTestCase

ODD_QUERIES = [
    '"',
    '""',
    '"kelp',
    'kelp"',
    '"""kelp""',
    "*",
    "**",
    "kelp**",
    "*kelp",
    "NEAR(kelp crab, 2)",
    "kelp AND crab OR NOT rocks",
    "kelp NOT",
    "^kelp",
    "title: kelp",
    "{title body}: kelp",
    "kelp:*",
    "kelp & !crab | (rocks <-> tide)",
    "(((kelp",
    "kelp)))",
    "-kelp +crab",
    "kelp -",
    "'kelp'",
    '\\"kelp\\"',
    "%",
    "%s %d %(x)s",
    "'; DROP TABLE search_entry; --",
    "\x00",
    "kelp\x00crab",
    "😀",
    "kelp 😀 crab",
    "‘kelp’ “crab”",
    "...",
    "!@#$%^&*()_+-=[]{}|;':\",./<>?`~",
    "_",
    "___kelp___",
    "k" * 10_000,
    "kelp " * 3_000,
    "日本語の検索",
    "Ærøskøbing ĳssel",
    "\u200b\u200bkelp\u200b",
    "\u202ekelp",
    "kelp\r\ncrab\ttide",
    "日本語*",
    "x2y* ²* ١٢٣* ǅz*",
    "the* of* and*",
    '"kelp*"',
    '"* *"',
    "k*e*l*p",
]


class OddQueryTests(SearchTestCase):
    def assert_page(self, text: str) -> None:
        response = self.guest.get("/search/", {"q": text})
        self.assertEqual(response.status_code, 200, repr(text[:80]))
        root = parse(response.content.decode())
        self.assertIsNotNone(root.first("form", cls="search-form"))

    def test_odd_queries_answer_with_a_page(self) -> None:
        for text in ODD_QUERIES:
            with self.subTest(text=text[:40]):
                self.assert_page(text)

    def test_odd_queries_still_find_their_words(self) -> None:
        for text in ('"kelp', "kelp)))", "^kelp", "kelp\x00crab", "-kelp +crab", "kelp:*"):
            with self.subTest(text=text):
                self.assertNotEqual(self.found(q=text), [], text)

    def test_odd_values_in_every_field(self) -> None:
        junk = ['"', "\x00", "😀" * 50, "x" * 10_000, "-1", "9" * 40, "<b>", "%00"]
        for value in junk:
            for name in ("forum", "member", "date_from", "date_to", "order", "page", "titles_only"):
                with self.subTest(field=name, value=value[:20]):
                    response = self.guest.get("/search/", {"q": "kelp", name: value})
                    self.assertEqual(response.status_code, 200)

    def test_bad_percent_encoding_is_not_a_server_error(self) -> None:
        response = self.guest.get("/search/?q=%FF%FE%00kelp")
        self.assertLess(response.status_code, 500)


class AnyTextTests(SearchTestCase, HypothesisTestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.text(max_size=300))
    def test_any_text_answers_with_a_page(self, text: str) -> None:
        response = self.guest.get("/search/", {"q": text})
        self.assertEqual(response.status_code, 200)
        root = parse(response.content.decode())
        self.assertIsNotNone(root.first("form", cls="search-form"))


WORD = re.compile(r"[^\W_]+")


class ParsingTests(unittest.TestCase):
    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.differing_executors]
    )
    @given(st.text(max_size=2_000))
    def test_terms_are_only_words(self, text: str) -> None:
        parsed = parse_query(text)
        self.assertLessEqual(len(parsed.terms), MAX_TERMS)
        for term in parsed.terms:
            for word in term.words:
                self.assertRegex(word, WORD)
                self.assertEqual(WORD.fullmatch(word).group(), word)  # type: ignore[union-attr]
                self.assertLessEqual(len(word), MAX_WORD_CHARS)
            if term.prefix:
                self.assertEqual(len(term.words), 1)

    def test_phrases_prefixes_and_words(self) -> None:
        parsed = parse_query('"Amber  Tide" corm* kelp, crab "unclosed tide')
        self.assertEqual(
            [(t.words, t.prefix) for t in parsed.terms],
            [
                (("amber", "tide"), False),
                (("corm",), True),
                (("kelp",), False),
                (("crab",), False),
                (("unclosed",), False),
                (("tide",), False),
            ],
        )

    def test_limits_are_said(self) -> None:
        parsed = parse_query(" ".join(f"w{i}" for i in range(40)))
        self.assertEqual(len(parsed.terms), MAX_TERMS)
        self.assertEqual(
            parsed.notes, (f"Only the first {MAX_TERMS} words or phrases were searched for.",)
        )
        self.assertEqual(parse_query("x*").terms[0].prefix, False)  # too short to be a prefix
