"""Near-duplicate stories: the Jaccard similarity of two texts' word shingles.

Outlets rewrite a wire story's headline and trim or reorder its summary; what survives is runs of
the same words. Texts are normalised (case, punctuation, accents kept as letters), shingled into
overlapping word pairs, and compared as sets. Candidates are the stories imported in the last
48 hours, a few hundred at most, so the exact set comparison is cheap and needs no MinHash."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SHINGLE_WORDS = 2
FINGERPRINT_MAX_WORDS = 400  # a summary's first words say what the story is
_WORD = re.compile(r"\w+")
# Words so common that two unrelated stories share pairs of them ("of the", "in a").
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    ]
)


def fingerprint(*texts: str) -> str:
    """The normalised words of the texts, as stored with an imported entry."""
    words: list[str] = []
    for text in texts:
        folded = unicodedata.normalize("NFKC", text).casefold()
        words.extend(w for w in _WORD.findall(folded) if w not in STOP_WORDS)
    return " ".join(words[:FINGERPRINT_MAX_WORDS])


def shingles(fingerprint_text: str) -> frozenset[str]:
    words = fingerprint_text.split()
    if len(words) < SHINGLE_WORDS:
        return frozenset(words)
    return frozenset(
        " ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def best_match(
    text: str, candidates: Iterable[tuple[int, str]], threshold: float
) -> tuple[int, float] | None:
    """The candidate (id, fingerprint) most similar to `text` at or above `threshold`."""
    mine = shingles(text)
    best: tuple[int, float] | None = None
    for candidate_id, candidate_text in candidates:
        score = jaccard(mine, shingles(candidate_text))
        if score >= threshold and (best is None or score > best[1]):
            best = (candidate_id, score)
    return best
