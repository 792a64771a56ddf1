"""Highlighted titles and snippets, made in Python from the plain text kept in the index.

Every piece of text is escaped here and only our own <mark> tags are added around whole words,
so no engine-made markup (FTS5's highlight(), PostgreSQL's ts_headline) ever wraps text that was
not escaped. Highlighting is cosmetic: a rough English suffix rule and the same diacritic
folding as the index decide which words light up, while the engine alone decides what matches."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from parley.search.folding import fold
from parley.search.terms import Term

SNIPPET_CHARS = 240  # about two lines of a result
SNIPPET_LEAD_CHARS = 60  # context shown before the first matching word
_TOKEN_RE = re.compile(r"[^\W_]+")
_SUFFIXES = ("ing", "ed", "es", "s", "ly", "e")  # longest first; "e" as Porter drops it
_MIN_STEM_CHARS = 3


def _stem(word: str) -> str:
    word = fold(word.lower())
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM_CHARS:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=65_536)
def _folded_and_stem(token: str) -> tuple[str, str]:
    """A page of results looks at a few thousand words, mostly the same few hundred: each is
    folded and stemmed once per process (a pure function of the word; the cache is bounded)."""
    folded = fold(token.lower())
    return folded, _stem(folded)


class WordMatcher:
    def __init__(self, terms: Sequence[Term]) -> None:
        self.stems = {_stem(w) for t in terms if not t.prefix for w in t.words}
        self.prefixes = tuple(fold(t.words[0]) for t in terms if t.prefix)

    def __call__(self, token: str) -> bool:
        folded, stem = _folded_and_stem(token)
        return stem in self.stems or (bool(self.prefixes) and folded.startswith(self.prefixes))


def highlight(text: str, matches: WordMatcher) -> SafeString:
    out: list[str] = []
    done = 0
    for token in _TOKEN_RE.finditer(text):
        if matches(token.group()):
            out.append(escape(text[done : token.start()]))
            out.append(f"<mark>{escape(token.group())}</mark>")
            done = token.end()
    out.append(escape(text[done:]))
    return mark_safe("".join(out))  # noqa: S308  every piece escaped above


def snippet(text: str, matches: WordMatcher, length: int = SNIPPET_CHARS) -> SafeString:
    """About `length` characters of `text` around its first matching word (its start if none
    matches: a match in the title only, or a stemmed form the rough rule missed)."""
    first = next((t.start() for t in _TOKEN_RE.finditer(text) if matches(t.group())), 0)
    start = max(0, first - SNIPPET_LEAD_CHARS)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", first, end)
        end = space if space > first else end
    else:
        end = len(text)
    body = highlight(text[start:end], matches)
    return mark_safe(("…" if start else "") + body + ("…" if end < len(text) else ""))  # noqa: S308
