"""Pagination by stored position: page N of a thread is positions (N-1)*size+1 .. N*size, an
index range scan however deep the page, never an OFFSET."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import Http404


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def page_of_position(position: int, per_page: int) -> int:
    return max(1, (position - 1) // per_page + 1)


def position_range(page: int, per_page: int) -> tuple[int, int]:
    start = (page - 1) * per_page + 1
    return start, start + per_page - 1


@dataclass(frozen=True)
class PageNav:
    current: int
    last: int

    @property
    def has_previous(self) -> bool:
        return self.current > 1

    @property
    def has_next(self) -> bool:
        return self.current < self.last

    @property
    def previous(self) -> int:
        return self.current - 1

    @property
    def next(self) -> int:
        return self.current + 1

    @property
    def links(self) -> list[int | None]:
        """Page numbers to show, None where a gap ("…") goes: 1 … 4 5 [6] 7 8 … 20."""
        if self.last <= 7:
            return list(range(1, self.last + 1))
        window = set(range(max(1, self.current - 2), min(self.last, self.current + 2) + 1))
        shown = sorted({1, self.last} | window)
        out: list[int | None] = []
        for i, n in enumerate(shown):
            if i and n - shown[i - 1] > 1:
                out.append(None)
            out.append(n)
        return out


class PastTheEnd(Http404):
    """A page number past the last page: views send the reader to `last` (as XenForo does, so
    an old link to page 9 of a thread that lost posts still lands somewhere); anything that does
    not catch it answers 404."""

    def __init__(self, last: int) -> None:
        super().__init__("No such page.")
        self.last = last


def checked_page(page: int | None, last: int) -> PageNav:
    """A page number from the URL; past the end raises PastTheEnd, never an empty page."""
    current = page or 1
    if current < 1:
        raise Http404("No such page.")
    if current > last:
        raise PastTheEnd(last)
    return PageNav(current=current, last=last)


_PAGE_BOX_RE = re.compile(r"([+-]?)([0-9]+)")
_PAGE_BOX_MAX_DIGITS = 9  # more is past the end of any thread: the last page


def page_from_box(typed: str, current: int, last: int) -> int:
    """The page a "Go to page" entry means, never an error: past the end is the last page, zero
    or below the first page, anything that is not a number the page the reader is on."""
    match = _PAGE_BOX_RE.fullmatch(typed.strip())
    if match is None:
        return min(current, last)
    sign, digits = match.groups()
    digits = digits.lstrip("0")
    if sign == "-" or not digits:
        return 1
    return last if len(digits) > _PAGE_BOX_MAX_DIGITS else min(int(digits), last)
