"""Text split and folded the same way on both engines: "cafe" finds "café", "example" finds
"example.com".

SQLite's FTS5 tokenizer (unicode61, `remove_diacritics 2`) folds diacritics and splits words at
every punctuation mark. PostgreSQL's 'english' parser does neither (it keeps "example.com" or
"a@b.org" as one token), and the `unaccent` extension needs a superuser and is not immutable. So
the PostgreSQL index is written from `fold_for_index(title)` and `fold_for_index(body)` (accented
Latin letters to their base letter, ASCII punctuation to spaces), while the entry's `title` and
`body` keep the text as written, for snippets. Query words are folded with `fold()` before they
reach `to_tsquery`.

Until search migration 0002 the generated column did this in SQL with `translate()` and two
~430-character strings (frozen in migrations 0001 and 0002); `translate()` scans its whole
first string for every character, ten times what `to_tsvector` costs. `fold_for_index` gives
exactly what that `translate()` gave (tests/search/test_folding_parity.py)."""

from __future__ import annotations

import unicodedata

# Latin-1 Supplement, Latin Extended-A and -B: the accented letters of European languages.
_FOLDED_RANGE = range(0xC0, 0x250)


def _latin_folds() -> dict[str, str]:
    folds = {}
    for code in _FOLDED_RANGE:
        letter = chr(code)
        base = unicodedata.normalize("NFD", letter)[0]
        if base != letter and base.isascii() and base.isalpha():
            folds[letter] = base
    return folds


FOLDS = _latin_folds()
_TABLE = str.maketrans(FOLDS)


def fold(text: str) -> str:
    return text.translate(_TABLE)


# Every ASCII punctuation mark becomes a space, as FTS5's unicode61 tokenizer treats it.
PUNCTUATION = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum())
_INDEX_TABLE = str.maketrans(FOLDS | dict.fromkeys(PUNCTUATION, " "))


def fold_for_index(text: str) -> str:
    """What PostgreSQL's tsvector is made from: `fold()`, and ASCII punctuation as spaces.
    Character for character: the length and every other character stay."""
    return text.translate(_INDEX_TABLE)
