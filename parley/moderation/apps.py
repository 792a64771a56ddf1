from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "parley.moderation"
    label = "moderation"

    def ready(self) -> None:
        # Imported here because models load only once the app registry is ready (Django's way
        # to plug into another app at start-up), not to dodge a cycle.
        from parley.moderation.discipline.queries import ban_facts
        from parley.permissions import grants

        # Bans are ours; the permissions layer below owns the hook that reads them.
        grants.provide_ban_lookup(ban_facts)
