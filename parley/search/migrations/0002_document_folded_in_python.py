"""PostgreSQL: `document` becomes an ordinary tsvector column, written with every entry from
the title and body folded in Python (parley/search/folding.py), instead of a generated column
whose `translate()` cost ten times its `to_tsvector()`. Existing documents are kept as they are
(`DROP EXPRESSION`, PostgreSQL 13 and later), and so is the GIN index. SQLite's FTS5 table does
not change."""

import unicodedata

from django.db import migrations


def _translation():
    # Frozen copy of the strings migration 0001 gave translate(): accented Latin letters to
    # their base letter, ASCII punctuation to spaces. Only the reverse migration uses them.
    pairs = []
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = unicodedata.normalize("NFD", letter)[0]
        if base != letter and base.isascii() and base.isalpha():
            pairs.append((letter, base))
    pairs += [(chr(c), " ") for c in range(0x21, 0x7F) if not chr(c).isalnum()]
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


def written_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE search_entry ALTER COLUMN document DROP EXPRESSION")
    # A writer that forgot the document would leave an entry no search finds: refuse it.
    schema_editor.execute("ALTER TABLE search_entry ALTER COLUMN document SET NOT NULL")


def generated_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    source, target = (text.replace("'", "''") for text in _translation())

    def folded(column):
        return f"translate({column}, '{source}', '{target}')"

    # A column cannot become generated again: it is made anew (which drops its index too).
    schema_editor.execute("ALTER TABLE search_entry DROP COLUMN document")
    schema_editor.execute(
        "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        f" setweight(to_tsvector('english'::regconfig, {folded('title')}), 'A')"
        f" || setweight(to_tsvector('english'::regconfig, {folded('body')}), 'B')"
        ") STORED",
        None,  # no parameters: the literal holds '%', which must not be read as one
    )
    schema_editor.execute("CREATE INDEX search_entry_document ON search_entry USING gin (document)")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(written_document, generated_document),
    ]
