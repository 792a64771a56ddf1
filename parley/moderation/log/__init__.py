"""The moderator log: every moderator and administrator service records what it did
(`services.log_action`, in the action's own transaction); administrators read it page by page
(`views.moderator_log`)."""
