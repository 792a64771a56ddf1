"""What counts as visible text: titles are measured, and bodies checked, the way a reader sees
them (zero-width and other invisible characters count for nothing)."""

from __future__ import annotations

from django.test import SimpleTestCase

from parley.core.markup import has_visible_content, render_post, visible_length

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "left-to-right mark": "\u200e",
    "mongolian vowel separator": "\u180e",
    "no-break space": "\u00a0",
    "ideographic space": "\u3000",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "tab": "\t",
    "combining acute accent alone": "\u0301",
    "enclosing circle alone": "\u20dd",
    "spacing mark alone": "\u0903",
    "variation selector": "\ufe0f",
    "private use": "\ue000",
    "unassigned": "\U000e0fff",
    "hangul filler": "\u3164",
    "hangul choseong filler": "\u115f",
    "hangul jungseong filler": "\u1160",
    "halfwidth hangul filler": "\uffa0",
    "braille blank": "\u2800",
    "control": "\x07",
    "tag character": "\U000e0041",
}


class VisibleLengthTests(SimpleTestCase):
    def test_each_invisible_character_counts_for_nothing(self) -> None:
        counted = {name: visible_length(char * 5) for name, char in INVISIBLE.items()}
        self.assertEqual(counted, dict.fromkeys(INVISIBLE, 0))

    def test_visible_characters_count_once_each(self) -> None:
        self.assertEqual(visible_length("Storm"), 5)
        self.assertEqual(visible_length("a b"), 2)
        self.assertEqual(visible_length("\u200bA\u200bB\u200bC\u200b"), 3)
        self.assertEqual(visible_length("é"), 1)  # e + combining accent, composed
        self.assertEqual(visible_length("e\u0301"), 1)
        self.assertEqual(visible_length("👨\u200d👩\u200d👧"), 3)  # a family emoji: three people
        self.assertEqual(visible_length("Ⅻ"), 3)  # the numeral is X, I, I once normalised
        self.assertEqual(visible_length("日本"), 2)

    def test_fullwidth_forms_are_normalised_before_counting(self) -> None:
        self.assertEqual(visible_length("ＡＢ"), 2)
        self.assertEqual(visible_length("ﬁ"), 2)  # the ligature is f + i


class VisibleContentTests(SimpleTestCase):
    def shows(self, source: str) -> bool:
        return has_visible_content(render_post(source))

    def test_empty_markup_shows_nothing(self) -> None:
        for source in (
            "[b][/b]",
            "[i] [/i]",
            "**\u200b**",
            "[quote][/quote]",
            "\u200b\u200b",
            "[b]\u3164[/b]",
            "[spoiler][/spoiler]",
            "&#8203;",
            "[spoiler=Ending][/spoiler]",
        ):
            with self.subTest(source=source):
                self.assertFalse(self.shows(source))

    def test_text_pictures_quotes_and_spoilers_show_something(self) -> None:
        for source in (
            "[b]x[/b]",
            "ok",
            "[img]https://example.org/a.png[/img]",
            "![](https://example.org/a.png)",
            "[quote]Someone said[/quote]",
            "[spoiler]It was the butler[/spoiler]",
            "`0`",
            "&amp;",
            "<b></b>",  # shown as the text it is
            "[spoiler=Ending]x[/spoiler]",
        ):
            with self.subTest(source=source):
                self.assertTrue(self.shows(source))

    def test_raw_html(self) -> None:
        self.assertFalse(has_visible_content(""))
        self.assertFalse(has_visible_content("<p> \u200b </p><hr>"))
        self.assertTrue(has_visible_content('<p></p><img src="/a.png" alt="">'))
        self.assertTrue(has_visible_content("<p>a</p><p>\u200b</p>"))
        self.assertTrue(has_visible_content("<p>\u200b</p><p>b</p>"))
