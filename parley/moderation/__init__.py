"""Moderation, one package per feature, each with the same file roles where it needs them
(`services.py` writes, `queries.py` reads, `forms.py`, `views.py`, `urls.py`, templates under
`templates/moderation/<feature>/`):

- `reports/`: members report posts; moderators handle the reports (queue, comments, resolve
  with an action, reject) and the reporters are told the outcome.
- `actions/`: moderator actions on posts and threads (delete, undelete, move, merge, split,
  prefix, lock, stick), one at a time or ticked inline.
- `approval/`: the queue of posts and threads the posting gate held; approve or reject.
- `discipline/`: warnings, bans and the spam cleaner.
- `history/`: a post's edit history with line diffs.
- `log/`: the moderator log every moderator service writes, and its page for administrators.

Beside them: `gate.py` (the posting gate: publish, hold for approval or refuse a new post),
`defences.py` (account defences: registration, account emails, login cool-off), `reasons.py`
(the one cleaner of a moderator's reason) and `forms.py` (the fields the features' forms
share). `models.py`, `admin.py`, `tasks.py` and `templatetags/` stay where Django and Huey
find them."""
