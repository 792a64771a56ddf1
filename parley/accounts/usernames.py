"""Username rules: which names are allowed and the folded key that makes them unique.

Two names share a key (`username_key`, stored unique in `Member.username_key`) when a reader
could take one for the other: the key is the Unicode UTS #39 *skeleton* of the name (NFD, each
character mapped to its confusable prototype, NFD again), case-folded, with a second skeleton
pass for look-alikes that only appear in lower case, and the extra folds the Unicode data leaves
out once case is gone: i, l, 1 and | are one letter (capital I looks like small l, and a
case-insensitive key cannot keep I apart from i), "rn" is "m", dotless ı is i. Invisible and
formatting characters are dropped and dots, dashes and underscores count as spaces.

The confusables data is Unicode's `confusables.txt` as shipped (folded into look-alike pairs) by
the `confusable-homoglyphs` package; the skeleton algorithm is implemented here. A change of
that data or of these folds changes keys: recompute the stored keys with
`recompute_username_keys` in a data migration (as 0006 does).

Nothing here reads the database (the models import this module): whether a name is free is
`services.check_username_free`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from confusable_homoglyphs import categories
from django.core.exceptions import ValidationError

from parley.core import knobs

logger = logging.getLogger("parley.accounts")

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 50
KEY_MAX_LENGTH = USERNAME_MAX_LENGTH * 2  # Member.username_key's column
# Combining marks allowed on one letter: Vietnamese needs 2, Devanagari and Hebrew 3, Tibetan
# stacks 4; "Zalgo" text stacks dozens.
MAX_MARKS_PER_LETTER = 4

# Compared on the key, so "Adrninistrator", "ADMIN" and "Deleted_Member" are reserved too.
# PARLEY_RESERVED_USERNAMES (parley/core/knobs/) replaces this list, PARLEY_EXTRA_RESERVED_USERNAMES
# adds to it; the site name (PARLEY_SITE_NAME) is always reserved. Staff accounts may hold them.
DEFAULT_RESERVED_USERNAMES: tuple[str, ...] = (
    "admin",
    "admins",
    "administrator",
    "administrators",
    "moderator",
    "moderators",
    "mod",
    "mods",
    "staff",
    "team",
    "official",
    "owner",
    "root",
    "superuser",
    "sysop",
    "system",
    "support",
    "help",
    "helpdesk",
    "security",
    "abuse",
    "webmaster",
    "postmaster",
    "hostmaster",
    "noreply",
    "no reply",
    "guest",
    "guests",
    "visitor",
    "anonymous",
    "anon",
    "unknown",
    "nobody",
    "everyone",
    "member",
    "members",
    "user",
    "users",
    "deleted",
    "deleted member",
    "deleted user",
    "former member",
    "null",
    "nil",
    "none",
    "undefined",
    "parley",
)

# Suffixes that make "name.suffix" a web address rather than a name: these generic ones, and any
# two-letter country code.
WEB_SUFFIXES = frozenset(
    {
        *("com", "net", "org", "info", "biz", "edu", "gov", "mil", "int", "io", "co", "app"),
        *("dev", "xyz", "online", "site", "website", "shop", "store", "top", "club", "live"),
        *("pro", "name", "mobi", "tech", "link", "click", "ai", "me", "tv", "cc", "gg", "ly"),
        *("eu", "asia", "blog", "cloud", "email", "news", "page", "art", "fun", "icu", "vip"),
        *("win", "lol", "onion"),
    }
)

SEPARATORS = frozenset(" .-_'\u2019")  # inside a name only; \u2019 is the typographic apostrophe

MSG_SHORT = f"Usernames need at least {USERNAME_MIN_LENGTH} characters."
MSG_LONG = f"Usernames can have at most {USERNAME_MAX_LENGTH} characters."
MSG_NO_VISIBLE = "A username needs at least one visible letter or digit."
MSG_INVISIBLE = (
    "Usernames can't contain invisible or formatting characters "
    "(such as zero-width spaces, blank fillers or text-direction marks)."
)
MSG_COMPAT = (
    "Type the name in ordinary letters: full-width, mathematical and other stylised forms "
    "of letters aren't accepted."
)
MSG_CHARS = (
    "Use letters, digits, spaces, dots, dashes, underscores and apostrophes only (letters of "
    "any alphabet, with their accents), starting and ending with a letter or digit."
)
MSG_DOUBLE_SPACE = "Use single spaces between the words of a username."
MSG_MARKS = "Too many accents or marks stacked on one letter."
MSG_MIXED = (
    "Use one alphabet for a username: mixing alphabets (such as Latin and Cyrillic letters) "
    "can imitate other names."
)
MSG_DOMAIN = "Usernames can't be web addresses (such as example.com)."
MSG_RESERVED = "That name is reserved."
MSG_TAKEN = "That username is already taken."
MSG_LOOKALIKE = "That name looks too much like an existing member's name."


# --- Invisible characters --------------------------------------------------------------------

# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters that render as
# nothing, among them the Hangul fillers, which are *letters* (category Lo) and so pass \w.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Blank but not default-ignorable: BRAILLE PATTERN BLANK, KHITAN SMALL SCRIPT FILLER.
_BLANK = frozenset("\u2800\U00016fe4")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def is_invisible(ch: str) -> bool:
    """Renders as nothing (or as an unusual blank): format, control, unassigned and
    default-ignorable characters, fillers, and every space other than U+0020."""
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in _DEFAULT_IGNORABLE) or ch in _BLANK:
        return True
    category = unicodedata.category(ch)
    return category in _INVISIBLE_CATEGORIES or (category == "Zs" and ch != " ")


def _without_invisible(text: str) -> str:
    return "".join(ch for ch in text if not is_invisible(ch))


# --- The UTS #39 skeleton ----------------------------------------------------------------------


@cache
def _prototypes() -> dict[int, str]:
    """Code point -> its confusable prototype, for str.translate.

    confusable-homoglyphs stores confusables.txt as look-alike pairs in both directions (with
    right-to-left characters wrapped in U+200E marks). Each line of confusables.txt joins one
    source character to its prototype and prototypes are never sources, so the pairs form stars:
    a prototype with two or more sources is the star's centre, and a prototype of several
    characters ("rn" for "m") is always the target. A star of two single characters maps both
    to one of them (the lower code point). Targets are closed under the mapping, so one pass
    reaches the fixed point. Checked, when written, against confusables.txt 13.0.0 itself (the
    data's version): strings with equal skeletons under Unicode's mapping have equal skeletons
    here (the closure merges a dozen of its 3,661 classes further, around Arabic and "rn")."""
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    pairs: dict[str, list[dict[str, str]]] = json.loads(raw)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for text, entries in pairs.items():
        a = text.replace("\u200e", "").replace("\u200f", "")
        for entry in entries:
            b = entry["c"].replace("\u200e", "").replace("\u200f", "")
            if a and b and a != b:
                neighbours[a].add(b)
                neighbours[b].add(a)
    mapping: dict[str, str] = {}
    for char, linked in neighbours.items():
        if len(char) != 1 or len(linked) != 1:
            continue  # a multi-character prototype, or the centre of a star
        (other,) = linked
        if len(other) > 1 or len(neighbours[other]) > 1:
            mapping[char] = unicodedata.normalize("NFD", other)
        elif other < char:
            mapping[char] = other
    table = {ord(char): target for char, target in mapping.items()}
    for _ in range(8):  # close the targets (they are a handful of characters each)
        changed = False
        for cp, target in table.items():
            closed = unicodedata.normalize("NFD", target.translate(table))
            if closed != target:
                table[cp] = closed
                changed = True
        if not changed:
            break
    return table


def skeleton(text: str) -> str:
    """The UTS #39 skeleton: NFD, each character replaced by its confusable prototype, NFD.
    Case-sensitive, like Unicode's ("AIice" -> "Alice": capital I maps to small l)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).translate(_prototypes()))


_EXTRA_FOLDS = str.maketrans({"i": "l", "1": "l", "|": "l", ".": " ", "-": " ", "_": " "})


def username_key(name: str) -> str:
    """The folded form two usernames share when readers would take them for the same name.

    NFKC, invisible characters dropped, skeleton, case fold, skeleton again, then i/l/1/| as one
    letter, "rn" as "m" and dots, dashes and underscores as spaces. Never longer than
    KEY_MAX_LENGTH: a longer fold keeps its start and ends in a digest of the whole."""
    text = _without_invisible(unicodedata.normalize("NFKC", name))
    text = skeleton(skeleton(text).casefold())
    text = text.translate(_EXTRA_FOLDS).replace("rn", "m")
    key = " ".join(text.split())
    if len(key) > KEY_MAX_LENGTH:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        key = f"{key[: KEY_MAX_LENGTH - len(digest) - 1]}~{digest}"
    return key


# --- Validation ----------------------------------------------------------------------------------


def _display_length(name: str) -> int:
    """Characters as a reader counts them: marks add nothing, a CJK character counts as two
    (so a two-character Chinese name passes the three-character minimum)."""
    total = 0
    for ch in name:
        if unicodedata.category(ch).startswith("M"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def _is_letter_or_digit(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN"


# Scripts that may share a name (UTS #39 "moderately restrictive"): one script; Japanese, Chinese
# or Korean writing with Latin; or Latin with one other script that has no Latin look-alikes.
_SCRIPT_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_LATIN_LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "CHEROKEE"})


def _mixes_scripts(name: str) -> bool:
    scripts = {categories.alias(ch) for ch in name} - {"COMMON", "INHERITED", "Unknown"}
    if len(scripts) <= 1 or any(scripts <= allowed for allowed in _SCRIPT_SETS):
        return False
    if len(scripts) == 2 and "LATIN" in scripts:
        return bool(scripts & _LATIN_LOOKALIKE_SCRIPTS)
    return True


_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+({_LABEL})$")


def _is_web_address(name: str) -> bool:
    match = _DOMAIN.match(name)
    if match is None:
        return False
    suffix = match.group(1).casefold()
    return (
        suffix in WEB_SUFFIXES
        or (len(suffix) == 2 and suffix.isalpha())
        or name.casefold().startswith("www.")
    )


def _check_characters(name: str) -> None:
    if "  " in name:
        raise ValidationError(MSG_DOUBLE_SPACE, code="spaces")
    previous = ""
    for ch in name:
        category = unicodedata.category(ch)
        if category[0] in "LN":
            pass
        elif category[0] == "M":
            # A mark sits on a letter or digit (or on the mark before it), never on a space.
            if not previous or previous in SEPARATORS:
                raise ValidationError(MSG_CHARS, code="chars")
        elif ch not in SEPARATORS:
            raise ValidationError(MSG_CHARS, code="chars")
        previous = ch
    if not _is_letter_or_digit(name[0]) or name[-1] in SEPARATORS:
        raise ValidationError(MSG_CHARS, code="chars")


def _check_marks(name: str) -> None:
    run = 0
    for ch in unicodedata.normalize("NFD", name):
        run = run + 1 if unicodedata.category(ch).startswith("M") else 0
        if run > MAX_MARKS_PER_LETTER:
            raise ValidationError(MSG_MARKS, code="marks")


def validate_username(name: str) -> None:
    """The rules every username follows, whoever creates it (the model field's validator).
    Reserved names are checked apart (`validate_not_reserved`): staff accounts may hold them."""
    if len(name) > USERNAME_MAX_LENGTH:
        raise ValidationError(MSG_LONG, code="long")
    visible = _without_invisible(name)
    if not any(_is_letter_or_digit(ch) for ch in visible):
        raise ValidationError(MSG_NO_VISIBLE, code="invisible")
    if visible != name:
        raise ValidationError(MSG_INVISIBLE, code="invisible")
    if _display_length(name) < USERNAME_MIN_LENGTH:
        raise ValidationError(MSG_SHORT, code="short")
    if unicodedata.normalize("NFKC", name) != unicodedata.normalize("NFC", name):
        raise ValidationError(MSG_COMPAT, code="compatibility")
    _check_characters(name)
    _check_marks(name)
    if _mixes_scripts(name):
        raise ValidationError(MSG_MIXED, code="mixed")
    if _is_web_address(name):
        raise ValidationError(MSG_DOMAIN, code="web_address")


def reserved_usernames() -> list[str]:
    configured = knobs.RESERVED_USERNAMES.get()
    names = list(DEFAULT_RESERVED_USERNAMES if configured is None else configured)
    names += list(knobs.EXTRA_RESERVED_USERNAMES.get())
    if site_name := knobs.SITE_NAME.get():
        names.append(site_name)
    return names


def is_reserved_username(name: str) -> bool:
    key = username_key(name)
    return bool(key) and any(key == username_key(reserved) for reserved in reserved_usernames())


def validate_not_reserved(name: str) -> None:
    if is_reserved_username(name):
        raise ValidationError(MSG_RESERVED, code="reserved")


def same_name(a: str, b: str) -> bool:
    """The same name, whatever the case, width or spacing (not merely alike)."""

    def fold(text: str) -> str:
        return " ".join(_without_invisible(unicodedata.normalize("NFKC", text)).casefold().split())

    return fold(a) == fold(b)


# --- Stored keys ---------------------------------------------------------------------------------


def _suffixed(key: str, tag: str) -> str:
    suffix = f"~{tag}"
    return key[: KEY_MAX_LENGTH - len(suffix)] + suffix


def recompute_username_keys(
    member_model: Any,
    *,
    using: str = "default",
    report: Callable[[str], None] | None = None,
) -> list[tuple[int, str, int, str]]:
    """Store every member's key as `username_key` computes it now. Two members whose names now
    share a key both stay: the one who joined first keeps the key, the later one gets it with
    "~<id>" appended (no allowed username folds to a key with "~" in it, so the unique column
    holds; that member still logs in with their exact name: see backends.py). Returns
    (kept id, kept name, other id, other name) for each such pair, and reports each through
    `report` (else as a warning in the "parley.accounts" log).

    Works on the historical model a migration passes in as well as the real one."""
    rows = list(
        member_model.objects.using(using)
        .order_by("date_joined", "pk")
        .values_list("pk", "username", "username_key")
    )
    holder: dict[str, tuple[int, str]] = {}
    new_keys: dict[int, str] = {}
    collisions: list[tuple[int, str, int, str]] = []
    for pk, name, _old in rows:
        key = username_key(name)
        if key in holder:
            kept_pk, kept_name = holder[key]
            collisions.append((kept_pk, kept_name, pk, name))
            key = _suffixed(key, str(pk))
            extra = 1
            while key in holder:  # a suffix no real name folds to; never two rows on one key
                key, extra = _suffixed(key, f"{pk}.{extra}"), extra + 1
        holder[key] = (pk, name)
        new_keys[pk] = key
    changed = [pk for pk, _name, old in rows if new_keys[pk] != old]
    # Two steps, so that no row takes a key another row still holds (the column is unique).
    _store_keys(member_model, using, {pk: f"~renaming~{pk}" for pk in changed})
    _store_keys(member_model, using, {pk: new_keys[pk] for pk in changed})
    for kept_pk, kept_name, pk, name in collisions:
        message = (
            f"Usernames {name!r} (member {pk}) and {kept_name!r} (member {kept_pk}) now count "
            f"as the same name. {kept_name!r} joined first and keeps it; {name!r} can still "
            "log in with that exact name. Consider renaming one of them."
        )
        if report is None:
            logger.warning(message)
        else:
            report(message)
    return collisions


def _store_keys(member_model: Any, using: str, keys: dict[int, str]) -> None:
    objects = [member_model(pk=pk, username_key=key) for pk, key in keys.items()]
    member_model.objects.using(using).bulk_update(objects, ["username_key"], batch_size=500)
