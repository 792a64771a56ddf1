"""The search itself: one full-text query over the index, joined to the live post, thread and
forum rows and filtered by the permissions module, then one query for the page's posts.

Never the index alone: whether a post may be shown is decided by `perms.visible_posts` over the
live rows at query time, so an entry that outlives a deletion, a hold or a move into a private
forum shows nothing. The match and the rank are two small expressions that find the entry
table's alias through the ORM join (`search_entry__…`), so everything else stays ORM."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Expression,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.sql.compiler import SQLCompiler
from django.utils.safestring import SafeString

from parley.core import stamps
from parley.core.pagination import PageNav, page_count
from parley.forums.models import Forum, Post, Thread
from parley.permissions.guardian import Perms
from parley.search import kept
from parley.search.folding import fold
from parley.search.models import TABLE
from parley.search.snippets import WordMatcher, highlight, snippet
from parley.search.terms import STOP_WORDS, ParsedQuery, Term

# As XenForo does: the best matches only, and the page says so when there were more. A search
# page is then a slice of at most this many ids read in one query, never a walk through every match.
RESULTS_CAP = 200
RESULTS_PER_PAGE = 20
BM25_WEIGHTS = (10.0, 1.0)  # title, body: a word in the title counts ten times
# Relevance is ranked among the newest this many matching entries (post ids grow with time): a
# common word matches thousands of posts on a big board, and ranking each costs as much as the
# rest of the page. A news board's searchers want recent stories first anyway; more words, a
# forum or a date range narrow an older search to within the window.
RANK_WINDOW = 1_000


def fts5_query(terms: Sequence[Term], *, titles_only: bool = False) -> str:
    """An FTS5 query in which every term is a quoted string (`"word"`, `"a phrase"`,
    `"prefix" *`): words are only letters and digits (`terms.py`), so nothing the reader typed
    is read as FTS5 syntax."""
    parts = []
    for term in terms:
        part = '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "")
        parts.append(f"title : {part}" if titles_only else part)
    return " AND ".join(parts)


def tsquery_sql(terms: Sequence[Term]) -> tuple[str, list[str]]:
    """A PostgreSQL tsquery ANDing one query per term, each built by a function of the words.
    Prefixes go through to_tsquery as `word:*`, safe because a word is only letters and digits;
    a stop word as a prefix ("the*") is looked up unstemmed, since 'english' would drop it.

    The words are written into the SQL as string literals, not passed as parameters: queries run
    as prepared statements (`parley/settings`), and after five runs of one statement PostgreSQL
    may switch to a generic plan made without the words. Here the best plan depends on how
    common they are (walk the newest ids for a common word, the text index for a rare one), and
    the generic plan read every match of a common word from the table (300 ms on 200,000
    posts). With the words in its text, each search is its own statement, planned for them.
    `_literal` refuses anything but letters, digits, spaces and the prefix mark."""
    parts = []
    for term in terms:
        words = fold(" ".join(term.words))
        if term.prefix:
            config = "simple" if term.words[0] in STOP_WORDS else "english"
            parts.append(f"to_tsquery('{config}', {_literal(words + ':*')})")
        elif term.is_phrase:
            parts.append(f"phraseto_tsquery('english', {_literal(words)})")
        else:
            parts.append(f"plainto_tsquery('english', {_literal(words)})")
    return "(" + " && ".join(parts) + ")", []


_LITERAL_SAFE = re.compile(r"[^\W_]+(?: [^\W_]+)*(?::\*)?")


def _literal(text: str) -> str:
    """An SQL string literal of words (`terms.py` makes them of letters and digits only)."""
    if not _LITERAL_SAFE.fullmatch(text):
        raise ValueError(f"Not search words: {text!r}")
    return f"'{text}'"


class _FullText(Expression):
    """Reads the search entry joined to the post: `entry` is any `search_entry__…` column,
    resolved by the ORM to learn the join's alias."""

    def __init__(self, terms: Sequence[Term], *, titles_only: bool = False) -> None:
        super().__init__()
        self.terms = tuple(terms)
        self.titles_only = titles_only
        self.entry: Any = F("search_entry__body")

    def get_source_expressions(self) -> list[Any]:
        return [self.entry]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.entry,) = exprs

    def _table(self, compiler: SQLCompiler) -> str:
        return compiler.quote_name_unless_alias(self.entry.alias)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        raise NotImplementedError(f"Search has no index for {connection.vendor}.")


class Matches(_FullText):
    conditional = True
    output_field = BooleanField()

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        resolved = super().resolve_expression(*args, **kwargs)
        query = args[0] if args else kwargs.get("query")
        if query is not None:
            # A reverse one-to-one joins LEFT OUTER; the match must join INNER (FTS5 cannot
            # MATCH through an outer join, and the match should drive the query).
            query.demote_joins({resolved.entry.alias})
        return resolved

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        query = fts5_query(self.terms, titles_only=self.titles_only)
        return f'{self._table(compiler)}."{TABLE}" MATCH %s', [query]

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        return _tsquery_match(f"{self._table(compiler)}.document", self.terms, self.titles_only)


def _tsquery_match(
    document: str, terms: Sequence[Term], titles_only: bool
) -> tuple[str, list[str]]:
    tsquery, params = tsquery_sql(terms)
    if not titles_only:
        return f"{document} @@ {tsquery}", params
    # The index finds the posts, ts_filter keeps those matching in the title (weight A).
    sql = f"({document} @@ {tsquery} AND ts_filter({document}, '{{a}}') @@ {tsquery})"
    return sql, params + params


class RankWindowFloor(Expression):
    """`(SELECT min(rowid) …)`: the lowest post id among the newest `limit` entries that match,
    read from the index alone (FTS5 walks its doclists by rowid; PostgreSQL sorts the GIN
    index's ids). Matching entries from it upwards are the window relevance is ranked in: as a
    range on the entry's id, FTS5 seeks to it rather than reading every match; NULL (nothing
    matches) matches nothing."""

    def __init__(self, terms: Sequence[Term], *, titles_only: bool, limit: int) -> None:
        super().__init__(output_field=IntegerField())
        self.terms = tuple(terms)
        self.titles_only = titles_only
        self.limit = int(limit)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        raise NotImplementedError(f"Search has no index for {connection.vendor}.")

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        query = fts5_query(self.terms, titles_only=self.titles_only)
        return _floor(f'"{TABLE}" MATCH %s', [query], self.limit)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        match, params = _tsquery_match(f'"{TABLE}".document', self.terms, self.titles_only)
        return _floor(match, params, self.limit)


def _floor(match: str, params: list[Any], limit: int) -> tuple[str, list[Any]]:
    newest = f'SELECT rowid FROM "{TABLE}" WHERE {match} ORDER BY rowid DESC LIMIT %s'  # noqa: S608 - the table's name and a match built from parameters
    return f"(SELECT min(rowid) FROM ({newest}) AS newest)", [*params, limit]  # noqa: S608


class Relevance(_FullText):
    """Lower is better on both engines (FTS5's bm25 is negative; ts_rank_cd is negated)."""

    output_field = FloatField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        title, body = BM25_WEIGHTS
        return f'bm25({self._table(compiler)}."{TABLE}", {title}, {body})', []

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Any:
        tsquery, params = tsquery_sql(self.terms)
        return f"-ts_rank_cd({self._table(compiler)}.document, {tsquery})", params


@dataclass(frozen=True)
class SearchFilters:
    forum_ids: frozenset[int] | None = None  # a forum and its sub-forums
    member_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    titles_only: bool = False  # implies first posts
    threads_only: bool = False  # first posts only
    newest_first: bool = False


@dataclass
class SearchResult:
    post: Post
    thread: Thread
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchPage:
    results: list[SearchResult]
    total: int  # at most RESULTS_CAP
    capped: bool  # there were more matches than RESULTS_CAP
    nav: PageNav


def matching_posts(
    perms: Perms, query: ParsedQuery, filters: SearchFilters, *, newer_than: int | None = None
) -> QuerySet[Post]:
    """Posts the reader may see that match, best first (or newest first). `newer_than`: only
    posts with a higher id, ranked as they would be in the full search (a kept search's update:
    `kept.py`); they are the newest matches, so inside the rank window."""
    matches = Matches(query.terms, titles_only=filters.titles_only)
    qs = perms.visible_posts(Post.objects.all()).filter(matches)
    if filters.titles_only or filters.threads_only:
        qs = qs.filter(thread__first_post=F("pk"))
    if filters.forum_ids is not None:
        qs = qs.filter(thread__forum_id__in=filters.forum_ids)
    if filters.member_id is not None:
        qs = qs.filter(author_id=filters.member_id)
    if filters.since is not None:
        qs = qs.filter(created_at__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(created_at__lt=filters.until)
    if newer_than is not None:
        qs = qs.filter(search_entry__pk__gt=newer_than)
    if filters.newest_first:
        return qs.annotate(relevance=Value(0.0)).order_by("-created_at", "-id")
    if newer_than is None:
        floor = RankWindowFloor(query.terms, titles_only=filters.titles_only, limit=RANK_WINDOW)
        qs = qs.filter(search_entry__pk__gte=floor)
    relevance = Relevance(query.terms, titles_only=filters.titles_only)
    return qs.annotate(relevance=relevance).order_by("relevance", "-created_at", "-id")


def _ranked(
    perms: Perms, query: ParsedQuery, filters: SearchFilters, newer_than: int | None
) -> tuple[list[kept.Ranked], int | None]:
    """The best RESULTS_CAP + 1 matches (one more, to know whether there were more) and the
    newest post id on the board when they were found, in one query."""
    newest_post = Post.objects.order_by("-pk").values("pk")[:1]
    rows = (
        matching_posts(perms, query, filters, newer_than=newer_than)
        .annotate(newest=Subquery(newest_post))
        .values_list("pk", "relevance", "created_at", "newest")[: RESULTS_CAP + 1]
    )
    ranked = [
        kept.Ranked(pk, (float(relevance), -created_at.timestamp(), -pk))
        for pk, relevance, created_at, _ in rows
    ]
    return ranked, (rows[0][3] if rows else None)


def search(perms: Perms, query: ParsedQuery, filters: SearchFilters, *, page: int) -> SearchPage:
    """At most two queries whatever the number of matches: the ids of the best RESULTS_CAP
    (+1, to know whether there were more; or the update of a kept search, or none while it is
    current), then the posts of the requested page, each asked again whether the reader may
    see it."""
    cache_key = kept.key(perms, (query.terms, filters, RANK_WINDOW, RESULTS_CAP))
    ranked = kept.ranked(
        cache_key,
        lambda newer_than: _ranked(perms, query, filters, newer_than),
        limit=RESULTS_CAP + 1,
        content=stamps.value(perms.stamps, stamps.CONTENT),
    )
    ids = [row.pk for row in ranked]
    capped = len(ids) > RESULTS_CAP
    ids = ids[:RESULTS_CAP]
    nav = PageNav(current=1, last=page_count(len(ids), RESULTS_PER_PAGE))
    nav = PageNav(current=min(max(page, 1), nav.last), last=nav.last)
    start = (nav.current - 1) * RESULTS_PER_PAGE
    page_ids = ids[start : start + RESULTS_PER_PAGE]
    page_posts = perms.visible_posts(Post.objects.filter(pk__in=page_ids))
    posts = {
        p.pk: p
        for p in page_posts.select_related(
            "thread", "thread__forum", "thread__prefix", "search_entry"
        )
    }
    matches = WordMatcher(query.terms)
    results = []
    for pk in page_ids:
        post = posts.get(pk)
        if post is None:  # deleted or hidden since the search ran
            continue
        entry = getattr(post, "search_entry", None)
        results.append(
            SearchResult(
                post=post,
                thread=post.thread,
                title_html=highlight(post.thread.title, matches),
                snippet_html=snippet(entry.body if entry else "", matches),
            )
        )
    return SearchPage(results=results, total=len(ids), capped=capped, nav=nav)


@dataclass(frozen=True)
class ForumChoice:
    forum: Forum
    depth: int


def forum_choices(perms: Perms) -> list[ForumChoice]:
    """The forums the reader may see, in board order (each forum followed by its sub-forums):
    the search form's forum filter, and what a chosen forum's subtree is taken from."""
    forums = list(
        perms.visible_forums(Forum.objects.select_related("category"))
        .only("id", "title", "parent_id", "display_order", "category__title")
        .order_by("category__display_order", "category_id", "display_order", "id")
    )
    children: dict[int | None, list[Forum]] = {}
    visible = {f.pk for f in forums}
    for forum in forums:
        parent = forum.parent_id if forum.parent_id in visible else None
        children.setdefault(parent, []).append(forum)
    ordered: list[ForumChoice] = []

    def walk(parent: int | None, depth: int) -> None:
        for forum in children.get(parent, []):
            if len(ordered) < len(forums):  # bounded against a corrupt cyclic tree
                ordered.append(ForumChoice(forum, depth))
                walk(forum.pk, depth + 1)

    walk(None, 0)
    return ordered


def subtree_ids(choices: Sequence[ForumChoice], forum_id: int) -> frozenset[int]:
    """The forum and every visible forum below it."""
    ids = {forum_id}
    for choice in choices:  # board order: a parent comes before its children
        if choice.forum.parent_id in ids:
            ids.add(choice.forum.pk)
    return frozenset(ids)
