"""PostgreSQL's `document` is written from text folded in Python (`fold_for_index`) since search
migration 0002; before, a generated column folded it in SQL with `translate()` and the strings
migration 0001 froze. The documents must be the very same, whatever the text: here the new
write paths (the index's upsert, the seeder's staging table) are compared with the old
expression, computed by PostgreSQL from the frozen strings. On SQLite (whose FTS5 table folds by
itself) the Python fold is checked against the rules `folding.py` states."""

from __future__ import annotations

import importlib
import unicodedata

from django.db import connection
from django.test import SimpleTestCase, TestCase

from parley.forums.models import Post, Thread
from parley.search.folding import FOLDS, PUNCTUATION, fold, fold_for_index
from parley.search.index import write_rows
from parley.search.models import TABLE, SearchEntry
from parley.seed import seed_board

_0001 = importlib.import_module("parley.search.migrations.0001_initial")
_0002 = importlib.import_module("parley.search.migrations.0002_document_folded_in_python")
FROZEN_FROM, FROZEN_TO = _0001._translation()


def old_document_sql(title: str, body: str) -> str:
    """The generated column of migration 0001, over SQL expressions, with the frozen strings
    as the last four parameters."""

    def folded(column: str) -> str:
        return f"translate({column}, %s, %s)"

    return (
        f"setweight(to_tsvector('english'::regconfig, {folded(title)}), 'A')"
        f" || setweight(to_tsvector('english'::regconfig, {folded(body)}), 'B')"
    )


FROZEN_PARAMS = [FROZEN_FROM, FROZEN_TO, FROZEN_FROM, FROZEN_TO]

LONG_TEXT = (
    'Ærøskøbing café, naïve résumé — see example.com/a_b?c=d or a@b.org; 100% "quoted" '
    "it's \\back\\slashed\\ 中文 🙂 Œuvre Šibenik Łódź İstanbul "
) * 120
HOSTILE = (
    "café",
    "Coffee at the Café Ümlaut, see example.org",
    "Ærøskøbing",
    "ÆØÅ æøå ß ẞ Œuvre œ Þorn ð ı İ Ŀ ŀ ĸ",
    "example.com",
    "a@b.org",
    "https://x.example.org/path/a_b?c=d&e=f#frag",
    "state-of-the-art e-mail re:search",
    "emoji 🙂👍🏽 and a family 👩\u200d👩\u200d👧 ☕",
    "CJK 中文字符 日本語のテキスト 한국어",
    "'single' \"double\" `back` ‘curly’ “curly” «guillemets»",
    "back\\slash \\\\ double \\n \\' \\x00 E'\\'",
    "100% %s %(name)s %% %",
    "combining e\u0301 n\u0303 A\u030a",
    "nbsp\u00a0and\u2003em space\u200bzero width",
    "tabs\tand\nnew\r\nlines",
    "Ǆ ǅ ǆ ǖ Ș ș Ț ț Ǻ ǻ Ḿ ḿ",
    "3.14 1,000 v2.0-rc1 10:30 -5 +7 #tag @name",
    "<b>html</b> &amp; &lt;",
    "x" * 3000,  # longer than a lexeme may be: 'english' drops it, both ways alike
    LONG_TEXT[:10_000],
    "",
    "   ",
    "!!!",
    "".join(chr(c) for c in range(0x20, 0x250)),  # every character the strings speak of
)


def translate_as_postgresql(text: str) -> str:
    """translate() as PostgreSQL documents it: a character found in FROM (its first
    occurrence) becomes the TO character at the same place, any other stays."""
    table: dict[str, str] = {}
    for source, target in zip(FROZEN_FROM, FROZEN_TO, strict=True):
        table.setdefault(source, target)
    return "".join(table.get(ch, ch) for ch in text)


def rule(ch: str) -> str:
    """folding.py's rules, stated afresh: an accented Latin letter (Latin-1 Supplement to
    Latin Extended-B) whose canonical decomposition starts with an ASCII letter becomes that
    letter; ASCII punctuation becomes a space; everything else stays."""
    if 0xC0 <= ord(ch) < 0x250:
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii() and base.isalpha():
            return base
    if ch.isascii() and ch.isprintable() and not ch.isalnum() and ch != " ":
        return " "
    return ch


class FoldRulesTests(SimpleTestCase):
    def test_the_documented_examples(self) -> None:
        self.assertEqual(fold_for_index("café"), "cafe")
        self.assertEqual(fold_for_index("Crème Brûlée"), "Creme Brulee")
        self.assertEqual(fold_for_index("example.com"), "example com")
        self.assertEqual(fold_for_index("a@b.org"), "a b org")
        self.assertEqual(fold_for_index('"100%" \\ it\'s'), " 100     it s")
        # Letters without a canonical decomposition are not accented letters: they stay.
        self.assertEqual(fold_for_index("Ærøskøbing ßŁ"), "Ærøskøbing ßŁ")
        for kept in ("🙂👍🏽", "中文 日本語 한국어", "e\u0301", "\u00a0\t\n", "Ḿḿ", "ı"):
            self.assertEqual(fold_for_index(kept), kept)

    def test_hostile_strings_follow_the_rules(self) -> None:
        for text in HOSTILE:
            with self.subTest(text=text[:40]):
                folded = fold_for_index(text)
                self.assertEqual(folded, "".join(rule(ch) for ch in text))
                self.assertEqual(len(folded), len(text))
                self.assertEqual(fold_for_index(folded), folded)

    def test_every_character_folds_as_the_frozen_translate_did(self) -> None:
        every = "".join(chr(c) for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000)
        self.assertEqual(fold_for_index(every), translate_as_postgresql(every))
        self.assertEqual(fold_for_index(every), "".join(rule(ch) for ch in every))

    def test_query_words_fold_the_letters_alike(self) -> None:
        letters = "".join(FOLDS) + "abc ÆØ 中"
        self.assertEqual(fold(letters), fold_for_index(letters))
        self.assertEqual(fold(PUNCTUATION), PUNCTUATION)  # query words hold none

    def test_the_reverse_migration_restores_the_same_strings(self) -> None:
        self.assertEqual(_0002._translation(), (FROZEN_FROM, FROZEN_TO))


class DocumentParityTests(TestCase):
    FIRST_ID = 10**12  # no post has it: entries only

    def test_the_index_writes_the_old_columns_document(self) -> None:
        rows = [(self.FIRST_ID + i, text, text[::-1]) for i, text in enumerate(HOSTILE)]
        write_rows([(pk, "stale title", "stale body") for pk, _, _ in rows])
        write_rows(rows)  # the upsert replaces every column, the document too
        if connection.vendor == "postgresql":
            self.assert_same_documents([pk for pk, _, _ in rows])
            with connection.cursor() as cursor:
                for text in HOSTILE:
                    cursor.execute("SELECT translate(%s, %s, %s)", [text, FROZEN_FROM, FROZEN_TO])
                    self.assertEqual(cursor.fetchone()[0], fold_for_index(text))
        else:
            for text in HOSTILE:
                self.assertEqual(fold_for_index(text), "".join(rule(ch) for ch in text))
        # Snippets are made from the text as written, never the folded one.
        kept = dict(SearchEntry.objects.filter(pk__gte=self.FIRST_ID).values_list("pk", "body"))
        self.assertEqual(kept, {pk: body for pk, _, body in rows})
        titles = SearchEntry.objects.filter(pk__gte=self.FIRST_ID).values_list("pk", "title")
        self.assertEqual(dict(titles), {pk: title for pk, title, _ in rows})

    def test_the_seeder_writes_the_old_columns_document(self) -> None:
        seed_board(members=5, threads=8, posts=120, long_thread=20)
        ids = list(Post.objects.values_list("pk", flat=True))
        self.assertEqual(SearchEntry.objects.filter(pk__in=ids).count(), 120)
        if connection.vendor == "postgresql":
            self.assert_same_documents(ids)
        starts = dict(Thread.objects.values_list("first_post_id", "title"))
        for entry in SearchEntry.objects.filter(pk__in=ids):
            self.assertEqual(entry.title, starts.get(entry.pk, ""))
            self.assertNotEqual(fold_for_index(entry.body), entry.body)  # punctuation to fold

    def test_the_table_after_migration_0002(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT attgenerated, attnotnull FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attname = 'document'",
                    [TABLE],
                )
                self.assertEqual(cursor.fetchone(), ("", True))  # written, never missing
                cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [TABLE])
                indexes = [row[0] for row in cursor.fetchall()]
                self.assertTrue(any("USING gin (document)" in d for d in indexes), indexes)
            else:
                cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [TABLE])
                self.assertIn("USING fts5(title, body,", cursor.fetchone()[0])

    def assert_same_documents(self, ids: list[int]) -> None:
        old = old_document_sql("title", "body")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, document::text, ({old})::text, document = ({old})"  # noqa: S608
                f" FROM {TABLE} WHERE rowid = ANY(%s) ORDER BY rowid",
                [*FROZEN_PARAMS, *FROZEN_PARAMS, ids],
            )
            found = cursor.fetchall()
        self.assertEqual(len(found), len(ids))
        for pk, new, expected, equal in found:
            with self.subTest(entry=pk):
                self.assertEqual(new, expected)
                self.assertTrue(equal)
