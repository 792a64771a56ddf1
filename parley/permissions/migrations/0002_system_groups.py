"""Create the built-in groups with their global permissions, and put existing members in them."""

from django.db import migrations

from parley.permissions.registry import (
    ADMINISTRATORS,
    ALLOW,
    MODERATORS,
    REGISTERED,
    SYSTEM_GROUPS,
)


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupProfile = apps.get_model("permissions", "GroupProfile")
    PermissionEntry = apps.get_model("permissions", "PermissionEntry")
    Member = apps.get_model("accounts", "Member")
    groups = {}
    for name, title, priority, allowed in SYSTEM_GROUPS:
        group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=name)
        GroupProfile.objects.using(schema_editor.connection.alias).update_or_create(
            group=group,
            defaults={"user_title": title, "display_priority": priority, "is_system": True},
        )
        for permission in allowed:
            PermissionEntry.objects.using(schema_editor.connection.alias).get_or_create(
                group=group, forum=None, permission=permission, defaults={"value": ALLOW}
            )
        groups[name] = group
    for member in Member.objects.using(schema_editor.connection.alias).all():
        names = [REGISTERED]
        if member.is_superuser:
            names.append(ADMINISTRATORS)
        elif member.is_staff:
            names.append(MODERATORS)
        member.groups.add(*(groups[n] for n in names))
        title = dict((n, t) for n, t, _, _ in SYSTEM_GROUPS)[names[-1]]
        Member.objects.using(schema_editor.connection.alias).filter(pk=member.pk).update(group_title=title)


class Migration(migrations.Migration):
    dependencies = [
        ("permissions", "0001_initial"),
        ("accounts", "0003_member_group_title"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
