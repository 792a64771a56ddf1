"""Every write to forums, threads and posts.

Each verb checks permission first (asking the actor's guardian), runs in one transaction, and
keeps the denormalised counters (reply counts, forum totals, member message counts, last posts)
right in the same transaction. What features add to a write (the posting gate, the moderator
log, post revisions) comes through `forums.hooks`, inside that transaction.

The package's public API is the verbs, imported here, and the checks the forms share with them:
views, forms, the demo, other apps and tests write `services.create_thread(...)`. The rest is
reached through its module:

- `posting`: starting threads, replying, editing and deleting one's posts (the verbs, and
  `serialize_posting`, `post_title`);
- `threads`: a moderator's lock, stick and title/source changes;
- `structure`: creating categories, forums and prefixes, deleting forums and categories;
- `text`: titles, source links and bodies, checked and rendered once; `rerender_posts`;
- `counters`: `counters_follow` and the `resync_*` repair tools;
- `positions`: hiding, showing and removing posts and threads, and the renumbering behind it.

`counters` and `positions` are the row-level helpers moderation builds its verbs from: they
check no permission, callers do."""

from parley.forums.services.posting import (
    EditConflict,
    create_thread,
    delete_post,
    edit_post,
    reply_to_thread,
)
from parley.forums.services.structure import delete_categories, delete_forums
from parley.forums.services.text import check_body_text, clean_source_url, clean_title
from parley.forums.services.threads import edit_thread, set_thread_state

__all__ = [
    "EditConflict",
    "check_body_text",
    "clean_source_url",
    "clean_title",
    "create_thread",
    "delete_categories",
    "delete_forums",
    "delete_post",
    "edit_post",
    "edit_thread",
    "reply_to_thread",
    "set_thread_state",
]
