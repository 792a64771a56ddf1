"""Three foreign keys lose their own index: a composite index already leads with each
(post_thread_position, post_author_recent, thread_listing), and every index of a post or a
thread is written on each reply.

Only the indexes are dropped (DROP INDEX on both engines). Django's AlterField would rebuild
the whole posts table on SQLite and re-check every foreign key on PostgreSQL, minutes on a big
board, for the same result."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column), as Django named them in 0001.
INDEXES = [
    ("forums_post_author_id_8db74d6d", "forums_post", "author_id"),
    ("forums_post_thread_id_ac854f30", "forums_post", "thread_id"),
    ("forums_thread_forum_id_1f490fd1", "forums_thread", "forum_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0005_thread_listing_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="post",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="posts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="post",
                    name="thread",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="posts",
                        to="forums.thread",
                    ),
                ),
                migrations.AlterField(
                    model_name="thread",
                    name="forum",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="threads",
                        to="forums.forum",
                    ),
                ),
            ],
        )
    ]
