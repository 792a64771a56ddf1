"""The gate every new post passes before it is written: publish, hold for approval, or refuse
with a reason (Discourse's NewPostManager). Flood control, newcomer approval and link limits
live here and nowhere else. (Stub: publishes everything; implemented with abuse control.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parley.accounts.models import Member
    from parley.forums.models import Forum, Thread


def check_new_post(
    *,
    actor: Member,
    forum: Forum,
    body: str,
    now: datetime,
    thread: Thread | None = None,
) -> bool:
    """True: hold the post for approval. False: publish it. Refusals raise ValidationError
    (code "flood" or "duplicate") with a message for the member; nothing is written."""
    return False
