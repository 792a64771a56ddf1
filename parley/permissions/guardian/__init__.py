"""The guardian: `request.perms`, the one object every permission question goes through.

`Perms` is built once per request (`perms_for`; the middleware attaches it lazily), a null
object for guests, and answers without queries once its cached grants are loaded. Its methods
come from one mixin per subject, the way Discourse's Guardian mixes in PostGuardian and
TopicGuardian:

- `forums.py`      seeing forums, moderating one, marking it read
- `threads.py`     seeing threads and "Moved" stubs, starting threads, replying
- `posts.py`       seeing posts, an author's own edits and deletions
- `members.py`     what a reader may learn about a member
- `moderation.py`  moderator actions, post history, the moderator log
- `reports.py`     reporting a post, the report queue
- `approval.py`    the posting gate (flood control, approval) and the approval queue
- `discipline.py`  warnings and bans

Four kinds of method, named for what they do:
- `can_<verb>_<subject>(obj) -> bool`  a yes/no for templates and services
- `ensure_can_<verb>_<subject>(obj)`   raises: 403 with a reason, or 404 where the thing must
                                       stay invisible (decided in one place, `base.py`)
- `get_<subject>(id)`                  the only way a view obtains an object; missing and
                                       invisible look the same (404)
- `visible_<subjects>(qs)`             filters every listing

Views ask `request.perms`; services ask `perms_for(actor)` before they write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from parley.permissions.guardian.approval import ApprovalGuardian
from parley.permissions.guardian.discipline import DisciplineGuardian
from parley.permissions.guardian.members import MemberGuardian
from parley.permissions.guardian.moderation import ModerationGuardian
from parley.permissions.guardian.reports import ReportGuardian

if TYPE_CHECKING:
    from parley.accounts.models import Member


class Perms(
    ModerationGuardian, ReportGuardian, ApprovalGuardian, DisciplineGuardian, MemberGuardian
):
    """A reader's permissions for one request: every subject's questions."""


def perms_for(member: Member | None, current: Mapping[str, int] | None = None) -> Perms:
    """`current`: the stamps read for this request (read here when not given)."""
    return Perms.for_member(member, current)
