"""A post's edit history: every version with who made it, when and why, and a line diff
against the version before (difflib). The diff is data (kind + text), so the template prints
it escaped like any other text; nothing here builds HTML."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime

from parley.forums.models import Post
from parley.moderation.models import PostRevision

CONTEXT_LINES = 2  # unchanged lines shown around each change, as `diff -U2` would


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", or "gap" (unchanged lines left out)
    text: str


@dataclass
class Version:
    number: int  # 0 is the text as first posted
    body_source: str
    editor_name: str
    edited_at: datetime
    reason: str = ""
    diff: list[DiffLine] = field(default_factory=list)  # against version number - 1

    @property
    def is_original(self) -> bool:
        return self.number == 0


def line_diff(old: str, new: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """Changed lines with a little unchanged context; runs of skipped lines become one gap."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", text) for text in a[i1:i2])
                continue
            lines.extend(DiffLine("removed", text) for text in a[i1:i2])
            lines.extend(DiffLine("added", text) for text in b[j1:j2])
    return lines


def post_versions(post: Post) -> list[Version]:
    """Every version of the post, newest first (one query). A revision holds the text an edit
    replaced, so revision k's editor, date and reason describe the version after it."""
    revisions = list(
        PostRevision.objects.filter(post=post)
        .select_related("edited_by")
        .order_by("edited_at", "id")
    )
    texts = [r.body_source for r in revisions] + [post.body_source]
    versions = [
        Version(
            number=0,
            body_source=texts[0],
            editor_name=post.author_name,
            edited_at=post.created_at,
        )
    ]
    for number, revision in enumerate(revisions, start=1):
        editor = revision.edited_by.username if revision.edited_by else "(deleted member)"
        versions.append(
            Version(
                number=number,
                body_source=texts[number],
                editor_name=editor,
                edited_at=revision.edited_at,
                reason=revision.reason,
                diff=line_diff(texts[number - 1], texts[number]),
            )
        )
    versions.reverse()
    return versions
