"""Numbers and ids from a request: one parser for URL parts, query strings and form fields.

Only ASCII digits count (``str.isdigit`` also accepts "²" and "٣", which ``int`` then rejects or
silently reads as 3), and only values a signed 64-bit column can hold (SQLite raises
OverflowError on anything larger, before Django's own range checks, e.g. in ``pk__in``).
A bad id in the URL path answers 404; a bad number in the query string answers 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import BadRequest
from django.http import Http404

MAX_INT = 2**63 - 1  # the largest value a signed 64-bit column (SQLite INTEGER, bigint) holds
# Page numbers become row offsets (page x page size): far below MAX_INT even for huge pages.
MAX_PAGE = 2**31 - 1
_DIGITS_RE = re.compile(r"[0-9]{1,19}")  # 19 digits reach past MAX_INT; the range check follows


class BadParameter(BadRequest):
    """A query-string number that is not one (Django answers 400)."""


def parse_int(value: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """`value` as an int if it is ASCII digits (or already an int) within [minimum, maximum].

    Anything else (signs, spaces, other scripts' digits, overlong or out-of-range numbers, None)
    is None: callers decide whether that means "absent", 400 or 404."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS_RE.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= min(maximum, MAX_INT) else None


def parse_id(value: object) -> int | None:
    """A database id (a positive 64-bit integer), or None."""
    return parse_int(value, minimum=1)


def id_or_404(value: object) -> int:
    """An id taken from the URL path: anything that cannot be one names no object (404)."""
    number = parse_id(value)
    if number is None:
        raise Http404("No such page.")
    return number


def page_or_404(value: object) -> int | None:
    """An optional page number from the URL path (`page-N`): None when absent, 404 when bad."""
    if value is None or value == "":
        return None
    number = parse_int(value, minimum=1, maximum=MAX_PAGE)
    if number is None:
        raise Http404("No such page.")
    return number


def query_int(
    query: Mapping[str, str], name: str, *, minimum: int = 0, maximum: int = MAX_INT
) -> int | None:
    """`?name=N` from a QueryDict: None when missing or empty, 400 when not a number in range."""
    raw = query.get(name, "")
    if raw == "":
        return None
    number = parse_int(raw, minimum=minimum, maximum=maximum)
    if number is None:
        raise BadParameter(f"{name} must be a whole number from {minimum} to {maximum}.")
    return number


def query_ids(values: list[str], *, limit: int | None = None) -> list[int]:
    """Repeated ids (`?quote=3&quote=7`, as from `QueryDict.getlist`): 400 if any is not one.
    With `limit`, only the first `limit` values are read."""
    ids = []
    for raw in values[:limit] if limit is not None else values:
        number = parse_id(raw)
        if number is None:
            raise BadParameter("Ids must be whole numbers.")
        ids.append(number)
    return ids
