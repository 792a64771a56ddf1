"""Raw tags ([code], [img], argument-less [url]/[email]) are paired in one linear pass: once no
closing tag follows, none is searched for again, so "[img]" * n or "[code]" * n costs one search,
not n. Counted, not timed: the closing-tag patterns are wrapped to count their searches."""

from __future__ import annotations

import re
from unittest import mock

from django.test import SimpleTestCase

from parley.core.markup import quotes


class CountingPattern:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searches = 0

    def search(self, *args: object) -> re.Match[str] | None:
        self.searches += 1
        return self.pattern.search(*args)  # type: ignore[arg-type]


class LinearPairingTests(SimpleTestCase):
    def test_unclosed_block_code_is_searched_for_once(self) -> None:
        counting = CountingPattern(quotes._CODE_CLOSE_RE)
        with mock.patch.object(quotes, "_CODE_CLOSE_RE", counting):
            pairs = quotes.pair_block_tags("[code]" * 400)
        self.assertEqual((counting.searches, len(pairs.unpaired), pairs.by_start), (1, 400, {}))

    def test_unclosed_inline_raw_tags_are_searched_for_once_each(self) -> None:
        for name in ("img", "code", "url", "email"):
            with self.subTest(name=name):
                counting = CountingPattern(quotes._RAW_CLOSE[name])
                with mock.patch.dict(quotes._RAW_CLOSE, {name: counting}):
                    pairs = quotes.pair_inline_tags(f"[{name}]" * 400)
                self.assertEqual((counting.searches, pairs), (1, {}))

    def test_a_closed_raw_tag_still_pairs_after_an_unclosed_one_of_another_name(self) -> None:
        pairs = quotes.pair_inline_tags("[img][code]x[/code]")
        self.assertEqual(
            [(p.name, p.open_end, p.close_start) for p in pairs.values()], [("code", 11, 12)]
        )

    def test_a_closing_code_tag_before_the_opening_one_closes_nothing(self) -> None:
        pairs = quotes.pair_block_tags("[/code] [code]x")
        self.assertEqual(pairs.by_start, {})
        self.assertEqual(pairs.unpaired, [(0, 7, "code"), (8, 14, "code")])
        later = quotes.pair_block_tags("[code]a[/code] [code]b")
        self.assertEqual(sorted(later.by_start), [0])
        self.assertEqual(later.unpaired, [(15, 21, "code")])
