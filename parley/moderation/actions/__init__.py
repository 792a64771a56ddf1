"""Moderator actions on posts and threads: delete (soft, or for administrators permanent) and
undelete, prefix, move, merge and split, one at a time or on ticked items (inline moderation);
locking and sticking go through `forums.services.set_thread_state`."""
