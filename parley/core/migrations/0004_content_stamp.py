from django.db import migrations


def create_stamp(apps, schema_editor):
    Stamp = apps.get_model("core", "Stamp")
    Stamp.objects.using(schema_editor.connection.alias).get_or_create(name="content", defaults={"value": 1})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_failedjob")]

    operations = [migrations.RunPython(create_stamp, migrations.RunPython.noop)]
