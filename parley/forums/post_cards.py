"""A page of posts as the thread template prints them: one `PostCard` per post, worked out once
in Python (the reader's flags, the permalink, the times, the member card) so the template reads
one attribute where it used to follow chains of lookups and call tags per post.

The member card is HTML built here, once per author and page (an author's posts share it),
with `format_html_fast`, so every value in it is escaped; `body` is the post's stored HTML,
sanitised when it was written (`parley.core.markup`), and nothing else is marked safe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from parley.accounts.models import Member
from parley.accounts.templatetags.members import role_title
from parley.core.html import format_html_fast, intcomma
from parley.core.templatetags.parley import date_only_html, reltime_html
from parley.forums.models import Post, Thread
from parley.permissions.guardian import Perms

# The whitespace matches what the template printed before the card moved here.
_MEMBER_CARD = (
    '\n      <a class="avatar" href="{}" aria-hidden="true" tabindex="-1">{}</a>'
    '\n      <h3 class="member-name"><a class="username" href="{}">{}</a></h3>'
    '\n      <div class="member-title">{}</div>'
    '\n      <dl class="member-facts">'
    "\n        <div><dt>Joined</dt><dd>{}</dd></div>"
    "\n        <div><dt>Messages</dt><dd>{}</dd></div>"
    "\n      </dl>\n    \n    "
)
_GUEST_CARD = (
    '\n      <span class="avatar" aria-hidden="true">?</span>'
    '\n      <h3 class="member-name"><span class="username">{}</span></h3>'
    '\n      <div class="member-title">Guest</div>\n    '
)
_EMPTY = SafeString("")


@dataclass(frozen=True, slots=True)
class PostCard:
    post: Post  # for what only deleted posts and moderators show (names, the reason)
    pk: str
    url: str  # the permalink; the actions are `{url}report`, `{url}edit`…
    number: str  # the position, as printed
    body: SafeString
    member: SafeString  # the member card's contents
    time: SafeString
    edited: SafeString  # "" if never edited
    deleted: SafeString  # when it was deleted, "" if not (or not recorded)
    is_deleted: bool
    held: bool  # awaiting approval
    pending: bool  # held, and not the thread's first post: no number yet
    shows_source: bool  # the news source line above a news thread's first post
    can_edit: bool
    can_delete: bool
    can_report: bool
    can_warn: bool
    has_history: bool
    has_actions: bool  # the footer is printed
    quote_href: str  # `{reply_url}?quote={pk}` where the reader may reply, else ""


def member_card(member: Member, zone: tzinfo | None) -> SafeString:
    url = member.get_absolute_url()
    return format_html_fast(
        _MEMBER_CARD,
        url,
        member.initial,
        url,
        member.username,
        role_title(member),
        date_only_html(member.date_joined, zone),
        intcomma(member.message_count),
    )


def post_cards(
    perms: Perms,
    thread: Thread,
    posts: Sequence[Post],
    *,
    can_reply: bool,
    moderating: bool,
) -> list[PostCard]:
    now = timezone.localtime()  # once per page: every time on it is relative to the same now
    zone = now.tzinfo
    reply_url = thread.reply_url()
    source = bool(thread.source_name)
    members: dict[int, SafeString] = {}
    # Bound once: `request.perms` is a lazy proxy, which costs an indirection per attribute.
    may_edit, may_delete = perms.can_edit_post, perms.can_delete_post
    may_report, may_warn = perms.can_report_post, perms.can_warn_post
    cards = []
    for post in posts:
        author = post.author
        if post.is_deleted:  # a placeholder: no member card
            member = _EMPTY
        elif author is None:
            member = format_html_fast(_GUEST_CARD, post.author_name)
        elif (known := members.get(author.pk)) is not None:
            member = known
        else:
            member = members[author.pk] = member_card(author, zone)
        can_edit = may_edit(post)
        can_delete = may_delete(post)
        can_report = may_report(post)
        can_warn = may_warn(post)
        pk = str(post.pk)
        cards.append(
            PostCard(
                post=post,
                pk=pk,
                url=post.get_absolute_url(),
                number=str(post.position),
                body=mark_safe(post.body_html),  # sanitised when written (parley.core.markup)
                member=member,
                time=reltime_html(post.created_at, now),
                edited=reltime_html(post.edited_at, now) if post.edited_at else _EMPTY,
                deleted=reltime_html(post.deleted_at, now) if post.deleted_at else _EMPTY,
                is_deleted=post.is_deleted,
                held=post.awaiting_approval,
                pending=post.awaiting_approval and post.pk != thread.first_post_id,
                shows_source=source and post.position == 1 and post.pk == thread.first_post_id,
                can_edit=can_edit,
                can_delete=can_delete,
                can_report=can_report,
                can_warn=can_warn,
                has_history=bool(post.edit_count),
                has_actions=(
                    can_report or can_edit or can_delete or can_warn or can_reply or moderating
                ),
                quote_href=f"{reply_url}?quote={pk}" if can_reply else "",
            )
        )
    return cards
