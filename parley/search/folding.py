"""Text split and folded the same way on both engines: "cafe" finds "café", "example" finds
"example.com".

SQLite's FTS5 tokenizer (unicode61, `remove_diacritics 2`) folds diacritics and splits words at
every punctuation mark. PostgreSQL's 'english' parser does neither (it keeps "example.com" or
"a@b.org" as one token), and the `unaccent` extension needs a superuser and is not immutable. So
PostgreSQL's generated tsvector column first runs the built-in `translate()` with
`PG_TRANSLATE_FROM` → `PG_TRANSLATE_TO` (accented Latin letters to their base letter, ASCII
punctuation to spaces), and query words are folded with `fold()` before they reach
`to_tsquery`. Migration 0001 holds a frozen copy of these strings."""

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
FOLDED_FROM = "".join(FOLDS)
FOLDED_TO = "".join(FOLDS.values())
_TABLE = str.maketrans(FOLDS)


def fold(text: str) -> str:
    return text.translate(_TABLE)


# Every ASCII punctuation mark becomes a space, as FTS5's unicode61 tokenizer treats it.
PUNCTUATION = "".join(chr(c) for c in range(0x21, 0x7F) if not chr(c).isalnum())
PG_TRANSLATE_FROM = FOLDED_FROM + PUNCTUATION
PG_TRANSLATE_TO = FOLDED_TO + " " * len(PUNCTUATION)
