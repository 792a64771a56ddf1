from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "parley.moderation"
    label = "moderation"

    def ready(self) -> None:
        # Imported here because models load only once the app registry is ready (Django's way
        # to plug into another app at start-up), not to dodge a cycle.
        from parley.accounts import hooks as account_hooks
        from parley.forums import hooks as forum_hooks
        from parley.moderation import defences, gate
        from parley.moderation.discipline.queries import ban_facts
        from parley.moderation.history.services import keep_revision
        from parley.moderation.log.services import log_action
        from parley.permissions import grants

        # Bans are ours; the permissions layer below owns the hook that reads them.
        grants.provide_ban_lookup(ban_facts)
        # So are the posting gate, the moderator log and post revisions: the forum services
        # below call them through the hooks they own, inside their own transactions.
        forum_hooks.provide_posting_gate(gate.check_new_post)
        forum_hooks.provide_moderator_log(log_action)
        forum_hooks.provide_revision_keeper(keep_revision)
        # And the account defences the account forms and services ask for.
        account_hooks.provide_account_defences(defences.Defences())
