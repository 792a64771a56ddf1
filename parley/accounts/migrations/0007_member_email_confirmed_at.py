"""`Member.email_confirmed_at`: when the member proved they read mail at their address.

Every member who exists before this migration counts as confirmed since they joined (nothing
asked them to confirm, and they keep logging in as before). The partial index holds only the
accounts still waiting for their link, for the job that deletes them after a few days.
"""

import django.utils.timezone
from django.db import migrations, models


def confirmed_since_joining(apps, schema_editor):
    member_model = apps.get_model("accounts", "Member")
    member_model.objects.using(schema_editor.connection.alias).update(
        email_confirmed_at=models.F("date_joined")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_recompute_username_keys"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="email_confirmed_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
        migrations.RunPython(confirmed_since_joining, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                condition=models.Q(("email_confirmed_at__isnull", True)),
                fields=["date_joined"],
                name="member_unconfirmed",
            ),
        ),
    ]
