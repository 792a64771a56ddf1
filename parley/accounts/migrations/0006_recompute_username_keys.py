"""Recompute every member's username key under the UTS #39 skeleton rules (usernames.py).

Names that used to fold apart may now fold alike ("Alice" and "AIice" with a capital i). Both
members stay: the one who joined first keeps the key, the other's key gets "~<id>" appended,
they can still log in with their exact name, and each such pair is printed in the output of
`parley migrate` so staff can rename one of them. Reversing leaves the keys as they are.
"""

from django.db import migrations


def recompute_keys(apps, schema_editor):
    from parley.accounts.usernames import recompute_username_keys

    member_model = apps.get_model("accounts", "Member")
    recompute_username_keys(
        member_model,
        using=schema_editor.connection.alias,
        report=lambda line: print(f"\n  {line}", end=""),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_member_sessions_and_alert_count"),
    ]

    operations = [
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
    ]
