"""The search index: one row per post, its searchable plain text.

The table is not what Django would make of this model: migration 0001 creates it per engine,
and the model only lets the ORM join it to posts (`Post.search_entry`) and delete entries with
their posts (Django's delete collector follows the CASCADE, so hard-deleting a post, thread or
forum removes its entries on both engines). Change the model only together with that migration.
- SQLite: an FTS5 virtual table (`title`, `body`); the post id is its rowid.
- PostgreSQL: a plain table plus `document`, a tsvector (title weight A, body weight B,
  'english') with a GIN index, written with every entry from its title and body folded as
  `folding.py` says (`index.document_sql`); a STORED generated column until migration 0002.

The entry holds text only. Whether a reader may see the post is decided at query time from the
live post, thread and forum rows (`queries.py`), so an entry that outlives a change of
visibility (a deletion, a move into a private forum) never shows anything."""

from __future__ import annotations

from django.db import models

from parley.forums.models import Post

TABLE = "search_entry"


class SearchEntry(models.Model):
    # No database constraint: an FTS5 table can hold none, and on PostgreSQL a foreign key would
    # stop a flush that truncates posts without this table. Writes are upserts by post id, so an
    # entry left behind by a flush is overwritten when its id comes back.
    post = models.OneToOneField(
        Post,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    # The thread title, on the thread's first post only ("titles only" is a match in this column).
    title = models.TextField(blank=True)
    # Visible text of the post's stored HTML, quotes and spoilers left out (`plain_text`).
    body = models.TextField(blank=True)

    class Meta:
        db_table = TABLE
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"Search entry of post {self.pk}"
