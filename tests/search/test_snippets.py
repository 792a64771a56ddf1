"""Snippets and highlighted titles: made from the index's plain text, every piece escaped, only
our own <mark> around whole matching words, a window around the first match."""

from __future__ import annotations

import unittest

from parley.search.snippets import SNIPPET_CHARS, WordMatcher, highlight, snippet
from parley.search.terms import parse_query


def matcher(query: str) -> WordMatcher:
    return WordMatcher(parse_query(query).terms)


class SnippetTests(unittest.TestCase):
    def test_text_is_escaped_and_only_words_are_marked(self) -> None:
        html = highlight('<script>alert("kelp")</script> & kelp', matcher("kelp script"))
        self.assertEqual(
            html,
            "&lt;<mark>script</mark>&gt;alert(&quot;<mark>kelp</mark>&quot;)&lt;/"
            "<mark>script</mark>&gt; &amp; <mark>kelp</mark>",
        )

    def test_forms_prefixes_and_diacritics_are_marked(self) -> None:
        html = highlight("Storms, stormed; canapés and cormorants", matcher("storm canape corm*"))
        self.assertEqual(
            html,
            "<mark>Storms</mark>, <mark>stormed</mark>; <mark>canapés</mark> and "
            "<mark>cormorants</mark>",
        )

    def test_the_window_opens_near_the_first_match(self) -> None:
        text = "filler " * 100 + "kelp in the middle " + "tail " * 100
        html = snippet(text, matcher("kelp"))
        self.assertTrue(html.startswith("…filler"))
        self.assertTrue(html.endswith("…"))
        self.assertIn("<mark>kelp</mark> in the middle", html)
        visible = html.replace("<mark>", "").replace("</mark>", "")
        self.assertLessEqual(len(visible), SNIPPET_CHARS + 2)

    def test_short_text_is_whole_and_no_match_shows_the_start(self) -> None:
        self.assertEqual(snippet("Just kelp.", matcher("kelp")), "Just <mark>kelp</mark>.")
        self.assertEqual(snippet("Nothing here.", matcher("kelp")), "Nothing here.")
        self.assertEqual(snippet("", matcher("kelp")), "")
