"""What the moderator log page says for each action code the services record (`log_action`
and the forum services' `log_moderator_action` hook): "Merged threads", never `thread_merge`.
tests/moderation/test_log_phrases.py reads the code base for every code it can log and fails
on one without a phrase here."""

from __future__ import annotations

from collections.abc import Mapping

ACTION_PHRASES = {
    # Posts
    "post_edit": "Edited a post",
    "post_delete": "Deleted a post",
    "post_hard_delete": "Deleted a post permanently",
    "post_undelete": "Undeleted a post",
    "post_approve": "Approved a post",
    "post_reject": "Rejected a post",
    # Threads
    "thread_edit": "Edited a thread",
    "thread_delete": "Deleted a thread",
    "thread_hard_delete": "Deleted a thread permanently",
    "thread_undelete": "Undeleted a thread",
    "thread_lock": "Locked a thread",
    "thread_unlock": "Unlocked a thread",
    "thread_stick": "Stuck a thread",
    "thread_unstick": "Unstuck a thread",
    "thread_prefix": "Changed a thread's prefix",
    "thread_move": "Moved a thread",
    "thread_merge": "Merged threads",
    "thread_split": "Split a thread",
    "thread_approve": "Approved a thread",
    "thread_reject": "Rejected a thread",
    # Forums
    "forum_delete": "Deleted a forum",
    # Members
    "warn": "Warned a member",
    "ban": "Banned a member",
    "ban_lift": "Lifted a ban",
    "spam_clean": "Cleaned up after a spammer",
    # Reports
    "report_assign": "Assigned a report",
    "report_unassign": "Unassigned a report",
    "report_resolve": "Resolved a report",
    "report_reject": "Rejected a report",
}


def action_phrase(code: str) -> str:
    """The phrase for `code`; a code without one (an entry older than its phrase's removal)
    reads as words rather than as an identifier."""
    return ACTION_PHRASES.get(code) or code.replace("_", " ").strip().capitalize()


def action_detail(code: str, details: Mapping[str, object]) -> str:
    """The part of an entry's details that completes its phrase ("into …"), or ""."""
    if code == "thread_merge" and details.get("into_title"):
        return f"into “{details['into_title']}”"
    if code == "thread_split" and details.get("new_title"):
        return f"into “{details['new_title']}”"
    if code == "thread_prefix" and ("old" in details or "new" in details):
        return f"“{details.get('old') or 'no prefix'}” → “{details.get('new') or 'no prefix'}”"
    if code == "report_assign" and details.get("assignee"):
        return f"to {details['assignee']}"
    return ""
