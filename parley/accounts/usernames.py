"""Username rules: which names are allowed and the folded key that makes them unique."""

from __future__ import annotations

import re
import unicodedata

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError

USERNAME_MIN_LENGTH = 3
USERNAME_ALLOWED = re.compile(r"^[\w][\w .\-]*[\w]$", re.UNICODE)

# Look-alikes that NFKC folding leaves apart but readers cannot tell apart in a post header.
_LOOKALIKES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "_": " ",
        "-": " ",
        ".": " ",
    }
)


def username_key(name: str) -> str:
    """The folded form two usernames share when readers would take them for the same name."""
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    # Map each character with a Latin look-alike to that letter (Cyrillic "а" -> "a").
    chars = []
    for ch in folded:
        if ch.isascii():
            chars.append(ch)
            continue
        found = confusables.is_confusable(ch, preferred_aliases=["latin", "common"], greedy=False)
        if found and found[0]["homoglyphs"]:
            chars.append(found[0]["homoglyphs"][0]["c"].casefold())
        else:
            chars.append(ch)
    key = "".join(chars).translate(_LOOKALIKES)
    return re.sub(r"\s+", " ", key).strip()


def validate_username(name: str) -> None:
    if len(name) < USERNAME_MIN_LENGTH:
        raise ValidationError(
            f"Usernames need at least {USERNAME_MIN_LENGTH} characters.", code="short"
        )
    if not USERNAME_ALLOWED.match(name) or "  " in name:
        raise ValidationError(
            "Use letters, digits, spaces, dots, dashes and underscores only, "
            "starting and ending with a letter or digit.",
            code="chars",
        )
    if confusables.is_dangerous(name):
        raise ValidationError(
            "This username mixes alphabets in a way that imitates another name.", code="mixed"
        )
