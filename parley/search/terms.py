"""What a reader typed, as search terms: words, "phrases" and prefix* words.

Anything at all may arrive here (unbalanced quotes, operators of either engine, NUL bytes,
emoji, ten thousand characters); what leaves is only words made of letters and digits, so the
engine-specific query built from them (`queries.py`) never carries the reader's syntax. Both
engines get the same terms: English stop words are dropped here, because PostgreSQL's
'english' configuration ignores them and SQLite's FTS5 would not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parley.core.markup import clean_control_chars

MAX_QUERY_CHARS = 200  # XenForo-sized: longer input is cut, and the page says so
MAX_TERMS = 16  # each term is one more index lookup; more is not a search, it is a document
MAX_WORD_CHARS = 40  # no real word is longer; a pasted token is cut
MAX_PHRASE_WORDS = 8
MIN_PREFIX_CHARS = 2  # "a*" would match most of the index

_WORD_RE = re.compile(r"[^\W_]+")  # letters and digits, as both engines' tokenizers split
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\uff02": '"'})

# PostgreSQL's english.stop (Snowball), the words its 'english' configuration does not index.
_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which who
    whom this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # lower case; more than one: a phrase
    prefix: bool = False  # the (single) word is a prefix: word*

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]
    notes: tuple[str, ...] = field(default=())  # what was cut or ignored, for the page

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w for t in self.terms for w in t.words)


def _words(text: str) -> list[str]:
    return [w[:MAX_WORD_CHARS] for w in _WORD_RE.findall(text.lower())]


def _terms(text: str) -> list[Term]:
    """Quoted runs are phrases (an unbalanced quote is ignored); elsewhere each word is a term,
    and a chunk ending in `*` makes its last word a prefix."""
    parts = text.translate(_QUOTES).split('"')
    if len(parts) % 2 == 0:  # odd number of quotes: the last one opens nothing
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    terms: list[Term] = []
    for i, part in enumerate(parts):
        if i % 2:
            words = _words(part)[:MAX_PHRASE_WORDS]
            if words:
                terms.append(Term(tuple(words)))
            continue
        for chunk in part.split():
            words = _words(chunk)
            if not words:
                continue
            terms.extend(Term((w,)) for w in words[:-1])
            last = words[-1]
            prefix = chunk.endswith("*") and len(last) >= MIN_PREFIX_CHARS
            terms.append(Term((last,), prefix=prefix))
    return terms


def parse_query(text: str) -> ParsedQuery:
    notes = []
    text = clean_control_chars(text.replace("\x00", " "))
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"Only the first {MAX_QUERY_CHARS} characters of your search were used.")
    terms: list[Term] = []
    common: list[str] = []
    for term in _terms(text):
        if not term.is_phrase and not term.prefix and term.words[0] in STOP_WORDS:
            if term.words[0] not in common:
                common.append(term.words[0])
        elif term not in terms:
            terms.append(term)
    if common:
        notes.append("Common words were ignored: " + ", ".join(common) + ".")
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        notes.append(f"Only the first {MAX_TERMS} words or phrases were searched for.")
    return ParsedQuery(terms=tuple(terms), notes=tuple(notes))
