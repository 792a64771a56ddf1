"""The search table, by hand per engine (see parley/search/models.py), filled from the posts
already there."""

import unicodedata

import django.db.models.deletion
from django.db import migrations, models

TOKENIZE = "porter unicode61 remove_diacritics 2"  # ≈ PostgreSQL's 'english'


def _translation():
    # Frozen copy of parley.search.folding (PG_TRANSLATE_FROM, PG_TRANSLATE_TO) as of this
    # migration: accented Latin letters to their base letter, ASCII punctuation to spaces.
    pairs = []
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = unicodedata.normalize("NFD", letter)[0]
        if base != letter and base.isascii() and base.isalpha():
            pairs.append((letter, base))
    pairs += [(chr(c), " ") for c in range(0x21, 0x7F) if not chr(c).isalnum()]
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


def create_table(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_entry USING fts5("
            f"title, body, tokenize = '{TOKENIZE}', prefix = '2 3')"
        )
    elif vendor == "postgresql":
        source, target = (text.replace("'", "''") for text in _translation())

        def folded(column):
            return f"translate({column}, '{source}', '{target}')"

        schema_editor.execute(
            "CREATE TABLE search_entry ("
            " rowid bigint PRIMARY KEY,"
            " title text NOT NULL,"
            " body text NOT NULL,"
            " document tsvector GENERATED ALWAYS AS ("
            f"  setweight(to_tsvector('english'::regconfig, {folded('title')}), 'A')"
            f"  || setweight(to_tsvector('english'::regconfig, {folded('body')}), 'B')"
            " ) STORED)",
            None,  # no parameters: the literal holds '%', which must not be read as one
        )
        schema_editor.execute(
            "CREATE INDEX search_entry_document ON search_entry USING gin (document)"
        )
    else:
        raise NotImplementedError(f"Search has no index for the {vendor} database engine.")


def drop_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE search_entry")


FILL_BATCH = 1000


def fill(apps, schema_editor):
    # Boards that existed before search: their posts become searchable at once. Plain SQL over
    # the tables as they are now, not today's models (later migrations may change them).
    from parley.core.markup import plain_text

    connection = schema_editor.connection
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT p.id, CASE WHEN t.first_post_id = p.id THEN t.title ELSE '' END,"
                " p.body_html FROM forums_post p JOIN forums_thread t ON t.id = p.thread_id"
                " WHERE p.id > %s ORDER BY p.id LIMIT %s",
                [last, FILL_BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                "INSERT INTO search_entry (rowid, title, body) VALUES (%s, %s, %s)",
                [(pk, title, plain_text(html)) for pk, title, html in rows],
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("forums", "0004_thread_redirect_expires_at_thread_redirect_to"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchEntry",
                    fields=[
                        (
                            "post",
                            models.OneToOneField(
                                db_column="rowid",
                                db_constraint=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="search_entry",
                                serialize=False,
                                to="forums.post",
                            ),
                        ),
                        ("title", models.TextField(blank=True)),
                        ("body", models.TextField(blank=True)),
                    ],
                    options={
                        "verbose_name_plural": "search entries",
                        "db_table": "search_entry",
                    },
                ),
            ],
            database_operations=[migrations.RunPython(create_table, drop_table)],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
