"""The permissions a group can hold, globally or per forum, and the built-in groups.

Resolution follows XenForo's node permissions: for each of a member's groups, the entry nearest
the forum wins (the forum's own, then its parents', then the group's global entry); across groups,
any NEVER refuses, otherwise any ALLOW grants, otherwise the answer is no."""

from __future__ import annotations

VIEW_FORUM = "view_forum"
READ_THREADS = "read_threads"
START_THREAD = "start_thread"
REPLY = "reply"
EDIT_OWN = "edit_own"
DELETE_OWN = "delete_own"
REPORT = "report"
BYPASS_FLOOD = "bypass_flood"
POST_WITHOUT_APPROVAL = "post_without_approval"
MODERATE = "moderate"

PERMISSIONS: dict[str, str] = {
    VIEW_FORUM: "View the forum (see it listed)",
    READ_THREADS: "Read threads",
    START_THREAD: "Start threads",
    REPLY: "Reply to threads",
    EDIT_OWN: "Edit own posts",
    DELETE_OWN: "Delete own posts",
    REPORT: "Report posts",
    BYPASS_FLOOD: "Bypass flood control",
    POST_WITHOUT_APPROVAL: "Post without approval (even as a newcomer)",
    MODERATE: "Moderate (delete, edit, lock, move, approve…)",
}

ALLOW = "allow"
DENY = "deny"  # "No" at this level: this group does not grant it here; another group still may
NEVER = "never"  # refused whatever any other group grants
VALUES = [(ALLOW, "Allow"), (DENY, "No"), (NEVER, "Never")]

GUESTS = "Guests"
REGISTERED = "Registered"
MODERATORS = "Moderators"
ADMINISTRATORS = "Administrators"

# ("React to posts" comes back with reactions themselves: a permission with nothing behind it
# only confuses the administrator who sets it.)
MEMBER_BASICS = [VIEW_FORUM, READ_THREADS, START_THREAD, REPLY, EDIT_OWN, DELETE_OWN, REPORT]
# Built-in groups: (name, user title, display priority, global permissions allowed).
SYSTEM_GROUPS: list[tuple[str, str, int, list[str]]] = [
    (GUESTS, "Guest", 0, [VIEW_FORUM, READ_THREADS]),
    (REGISTERED, "Member", 10, MEMBER_BASICS),
    (MODERATORS, "Moderator", 50, [*MEMBER_BASICS, BYPASS_FLOOD, POST_WITHOUT_APPROVAL, MODERATE]),
    (
        ADMINISTRATORS,
        "Administrator",
        100,
        [*MEMBER_BASICS, BYPASS_FLOOD, POST_WITHOUT_APPROVAL, MODERATE],
    ),
]
