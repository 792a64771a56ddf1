"""Username rules as a person meets them: what the registration form refuses (and says), what
it accepts in any script, which names count as the same name, and logging in by name once
names fold on their Unicode skeleton (including members whose old names now fold alike)."""

from __future__ import annotations

import hashlib
import html
import importlib
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings

from parley.accounts import usernames
from parley.accounts.models import Member
from parley.accounts.services import check_username_free, register_member
from parley.accounts.usernames import (
    KEY_MAX_LENGTH,
    MSG_CHARS,
    MSG_COMPAT,
    MSG_DOMAIN,
    MSG_DOUBLE_SPACE,
    MSG_INVISIBLE,
    MSG_LOOKALIKE,
    MSG_MARKS,
    MSG_MIXED,
    MSG_NO_VISIBLE,
    MSG_RESERVED,
    MSG_SHORT,
    MSG_TAKEN,
    is_reserved_username,
    recompute_username_keys,
    skeleton,
    username_key,
    validate_username,
)
from tests.accounts.helpers import register_form_data
from tests.world import PASSWORD, make_member

ZALGO = "Z\u0334\u0321\u0322\u031b\u031ba\u0338l\u0337g\u0336o\u0335"  # 5 marks on the Z

# (name typed, what the page must say, members who already exist). "Looks too much like" is
# what the form says today ("already taken (or looks too much like one)") and what
# check_username_free says ("That name looks too much like an existing member's name.").
LOOKS_LIKE = "looks too much like"
REFUSED = [
    # Reserved names, and look-alikes of them (compared on the skeleton).
    ("Administrator", MSG_RESERVED, []),
    ("moderator", MSG_RESERVED, []),
    ("Guest", MSG_RESERVED, []),
    ("Deleted member", MSG_RESERVED, []),
    ("Deleted_Member", MSG_RESERVED, []),
    ("null", MSG_RESERVED, []),
    ("Adrninistrator", MSG_RESERVED, []),  # r+n for m
    ("rnoderator", MSG_RESERVED, []),
    ("ADMlN", MSG_RESERVED, []),  # small L for I
    ("Parley", MSG_RESERVED, []),  # the site name
    # No visible letter: Hangul fillers (letters to \w), zero-width characters, Braille blanks.
    ("\u3164\u3164\u3164", MSG_NO_VISIBLE, []),
    ("\u115f\u1160\uffa0", MSG_NO_VISIBLE, []),
    ("\u200b\u200c\u200d", MSG_NO_VISIBLE, []),
    ("\u2800\u2800\u2800", MSG_NO_VISIBLE, []),
    ("\U0001f600\U0001f600\U0001f600", MSG_NO_VISIBLE, []),  # emoji only
    ("...", MSG_NO_VISIBLE, []),
    # Invisible or direction-changing characters inside a real name.
    ("Ali\u200bce", MSG_INVISIBLE, []),
    ("\u3164Nadia\u3164", MSG_INVISIBLE, []),
    ("\u202eecilA", MSG_INVISIBLE, []),  # right-to-left override
    ("Nadia\u2066x", MSG_INVISIBLE, []),
    ("Na\u00addia", MSG_INVISIBLE, []),  # soft hyphen
    # Look-alikes of an existing member's name.
    ("\u0251lice", LOOKS_LIKE, ["Alice"]),  # Latin alpha
    ("AIice", LOOKS_LIKE, ["Alice"]),  # capital i
    ("al\u0131ce", LOOKS_LIKE, ["Alice"]),  # dotless i
    ("\u0410lice", LOOKS_LIKE, ["Alice"]),  # Cyrillic A
    ("\u0391LICE", LOOKS_LIKE, ["Alice"]),  # Greek Alpha
    ("\uff41\uff4c\uff49\uff43\uff45", MSG_TAKEN, ["Alice"]),  # full-width: the same name
    ("A1ice", LOOKS_LIKE, ["Alice"]),
    ("Alice\u200b", MSG_TAKEN, ["Alice"]),  # the same name with a hidden character
    ("rnoderator", LOOKS_LIKE, ["Moderator"]),
    ("ALICE", "already taken", ["Alice"]),
    # The same spoofs when nobody holds the name yet.
    ("\u0410lice", MSG_MIXED, []),
    ("P\u0430ypal", MSG_MIXED, []),  # Cyrillic a
    ("\uff41\uff4c\uff49\uff43\uff45", MSG_COMPAT, []),
    ("\U0001d400\U0001d425\U0001d422\U0001d41c\U0001d41e", MSG_COMPAT, []),  # bold maths
    # Web addresses.
    ("example.com", MSG_DOMAIN, []),
    ("evil.org", MSG_DOMAIN, []),
    ("www.parleyboard", MSG_DOMAIN, []),
    ("shop.de", MSG_DOMAIN, []),
    # Stacked combining marks, symbols, separators at the ends, too short.
    (ZALGO, MSG_MARKS, []),
    ("Alice\U0001f600", MSG_CHARS, []),
    ("_nadia", MSG_CHARS, []),
    ("nadia.", MSG_CHARS, []),
    ("'nadia", MSG_CHARS, []),
    ("<b>x</b>", MSG_CHARS, []),
    ("\u5049", MSG_SHORT, []),  # one CJK character
    ("ab", MSG_SHORT, []),
]

ACCEPTED = [
    "\u0928\u093f\u0916\u093f\u0932",  # निखिल: Devanagari with vowel signs (combining marks)
    "\u5f35\u5049",  # 張偉: two CJK characters
    "O'Brien",
    "O\u2019Brien",  # typographic apostrophe
    "Jos\u00e9 \u00c1lvarez",
    "Nguy\u1ec5n V\u0103n An",
    "\u0410\u043b\u0438\u0441\u0430",  # Алиса
    "\u0645\u062d\u0645\u062f",  # محمد
    "\u05e9\u05e8\u05d4 \u05db\u05d4\u05df",  # שרה כהן
    "\u5c71\u7530\u592a\u90ce",  # 山田太郎
    "\uae40\ubbfc\uc900",  # 김민준
    "\u02bbIolani",  # ʻokina, a letter
    "Tom \u5f35",  # Latin with Han
    "J. R. R. Tolkien",
    "dustbowl_dan",
    "Mod Squad",
    "Tomasz.K",
]


class _RegisterPage(HTMLParser):
    """The error messages on the page and what the username box holds."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []
        self.username_value: str | None = None
        self._depth = 0  # inside an error element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "input" and attributes.get("name") == "username":
            self.username_value = attributes.get("value") or ""
        if self._depth:
            self._depth += 1
        elif "field-error" in classes or (tag == "li" and self._in_errorlist):
            self._depth = 1
            self.errors.append("")
        if tag == "ul":
            self._in_errorlist = "errorlist" in classes

    _in_errorlist = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self._in_errorlist = False
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.errors[-1] += data


def _register(client: Client, name: str) -> tuple[int, _RegisterPage]:
    email = f"m{hashlib.sha256(name.encode()).hexdigest()[:12]}@example.org"
    response = client.post(
        "/register/", register_form_data(username=name, email=email, password=PASSWORD)
    )
    page = _RegisterPage()
    page.feed(response.content.decode())
    return response.status_code, page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message", "existing"), REFUSED, ids=[ascii(r[0]) for r in REFUSED]
)
def test_registration_refuses_the_name_and_says_why(client, name, message, existing):
    for other in existing:
        make_member(other, is_staff=other == "Moderator")
    status, page = _register(client, name)
    assert status == 200
    assert any(message in error for error in page.errors), page.errors
    assert page.username_value == name  # what the member typed is still in the box
    assert Member.objects.count() == len(existing)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACCEPTED, ids=[ascii(n) for n in ACCEPTED])
def test_registration_accepts_names_in_any_script(client, name):
    status, page = _register(client, name)
    assert status == 302, page.errors
    member = Member.objects.get(username=name)
    assert f"Welcome, {name}!" in html.unescape(client.get("/").content.decode())
    assert member.username_key == username_key(name)


# --- The key --------------------------------------------------------------------------------------

SAME_NAME = [
    ("Alice", "alice", "ALICE", "\u0251lice", "AIice", "al\u0131ce", "A1ice", "A|ice"),
    ("Alice", "\u0410lice", "\u0430lice", "\u0391LICE", "\uff21\uff4c\uff49\uff43\uff45"),
    ("Alice", "Ali\u200bce", "\u3164Alice", "A\u200dlice\u202e"),
    ("moderator", "rnoderator", "MODERATOR", "m\u043ederator"),
    ("Administrator", "Adrninistrator", "ADMINISTRATOR"),
    ("paypal", "paypaI", "p\u0430yp\u0430l"),
    ("O'Brien", "O\u2019Brien", "o'brien"),
    ("Mary Jane", "mary_jane", "Mary.Jane", "mary-jane", "Mary  Jane"),
    ("Bob", "B0b"),  # zero for o
]
DIFFERENT_NAMES = [
    ("Alice", "Alicia"),
    ("Alice", "Alise"),
    ("Bob", "Rob"),
    ("\u5f35\u5049", "\u5f35\u4f1f"),  # 張偉 / 張伟
    ("\u0928\u093f\u0916\u093f\u0932", "\u0928\u0916\u093f\u0932"),  # a vowel sign less
    ("O'Brien", "OBrien"),
]


@pytest.mark.parametrize("names", SAME_NAME, ids=[n[1] for n in SAME_NAME])
def test_look_alikes_share_one_key(names):
    assert {username_key(name) for name in names} == {username_key(names[0])}


@pytest.mark.parametrize("pair", DIFFERENT_NAMES, ids=[ascii(p[1]) for p in DIFFERENT_NAMES])
def test_different_names_keep_different_keys(pair):
    assert username_key(pair[0]) != username_key(pair[1])


def test_skeleton_is_unicodes_mapping_to_prototypes():
    assert skeleton("AIice") == "Alice"  # capital I -> small l
    assert skeleton("\u0251lice") == "alice"
    assert skeleton("m") == "rn"
    assert skeleton("\u0430") == "a"
    assert skeleton("Alice") == "Alice"  # case is kept: the key folds it


def test_the_key_fits_its_column_and_long_names_stay_apart():
    long_a = "\ufdfa" * 50  # a ligature that NFKC spells out in 18 letters
    long_b = "\ufdfa" * 49 + "\u0628"
    assert len(username_key(long_a)) <= KEY_MAX_LENGTH
    assert len(username_key("m" * 50)) <= KEY_MAX_LENGTH
    assert username_key(long_a) != username_key(long_b)
    assert username_key(long_a) == username_key(long_a)


def test_double_spaces_are_refused_by_the_rules():
    # The form joins runs of spaces before it validates; the rule still holds for other callers.
    with pytest.raises(ValidationError) as caught:
        validate_username("Mary  Jane")
    assert caught.value.messages == [MSG_DOUBLE_SPACE]


# --- Reserved names --------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_accounts_may_hold_reserved_names_members_may_not():
    admin = register_member(
        username="Admin", email="a@example.org", password=PASSWORD, is_superuser=True
    )
    assert admin.pk
    with pytest.raises(ValidationError) as caught:
        register_member(username="Moderator", email="m@example.org", password=PASSWORD)
    assert caught.value.messages == [MSG_RESERVED]
    assert not Member.objects.filter(username="Moderator").exists()


@override_settings(PARLEY_RESERVED_USERNAMES=["Harbour Master"], SITE_NAME="Quayside")
def test_the_reserved_list_is_configurable():
    assert is_reserved_username("harbour_master")
    assert is_reserved_username("Quayside")  # the site name, always
    assert not is_reserved_username("Admin")  # the setting replaced the defaults
    with override_settings(PARLEY_EXTRA_RESERVED_USERNAMES=["Ferryman"]):
        assert is_reserved_username("FERRYMAN")
        assert is_reserved_username("Harbour Master")


@pytest.mark.django_db
@override_settings(PARLEY_RESERVED_USERNAMES=["Harbour Master"])
def test_a_configured_reserved_name_is_refused_on_the_form(client):
    status, page = _register(client, "Harbour_Master")
    assert status == 200
    assert MSG_RESERVED in page.errors
    assert not Member.objects.exists()


# --- Taken or look-alike ---------------------------------------------------------------------


@pytest.mark.django_db
def test_check_username_free_tells_taken_from_look_alike():
    alice = make_member("Alice")
    for same in ("alice", "ALICE", "\uff21lice"):
        with pytest.raises(ValidationError) as caught:
            check_username_free(same)
        assert caught.value.messages == [MSG_TAKEN], same
    for spoof in ("AIice", "\u0410lice", "al\u0131ce"):
        with pytest.raises(ValidationError) as caught:
            check_username_free(spoof)
        assert caught.value.messages == [MSG_LOOKALIKE], spoof
    check_username_free("Alicia")
    check_username_free("Alice", exclude_pk=alice.pk)  # renaming oneself


# --- Logging in by name ------------------------------------------------------------------------


def _logged_in_as(client: Client, login: str, password: str = PASSWORD) -> int | None:
    client.post("/login/", {"username": login, "password": password})
    member_id = client.session.get("_auth_user_id")
    client.post("/logout/")
    return int(member_id) if member_id else None


@pytest.mark.django_db
def test_log_in_by_exact_name_any_case_or_look_alike_of_ones_own_name():
    alice = make_member("Alice")
    client = Client()
    for login in ("Alice", "alice", "ALICE", " Alice "):
        assert _logged_in_as(client, login) == alice.pk, login
    # A look-alike folds to the same unique key: it names Alice, and only her password opens it.
    assert _logged_in_as(client, "AIice") == alice.pk
    assert _logged_in_as(client, "AIice", "not-her-password") is None


def _old_members_whose_names_now_fold_alike() -> tuple[Member, Member]:
    """Alice (joined first) and a later member renamed "AIice" (capital i) before the skeleton
    rules, when the old key function kept them apart ("aiice" vs "alice"). Same password, so
    only the name decides whose account opens."""
    alice = make_member("Alice")
    later = make_member("Alfred")
    Member.objects.filter(pk=alice.pk).update(username_key="alice")
    Member.objects.filter(pk=later.pk).update(username="AIice", username_key="aiice")
    later.refresh_from_db()
    return alice, later


def _run_migration() -> list[str]:
    migration = importlib.import_module("parley.accounts.migrations.0006_recompute_username_keys")
    printed: list[str] = []
    original = usernames.recompute_username_keys

    def recording(model, **kwargs):  # type: ignore[no-untyped-def]
        return original(model, **{**kwargs, "report": printed.append})

    usernames.recompute_username_keys = recording
    try:
        migration.recompute_keys(apps, SimpleNamespace(connection=connection))
    finally:
        usernames.recompute_username_keys = original
    return printed


@pytest.mark.django_db
def test_migration_keeps_both_members_when_old_names_now_fold_alike():
    alice, later = _old_members_whose_names_now_fold_alike()
    printed = _run_migration()
    alice.refresh_from_db()
    later.refresh_from_db()
    assert alice.username_key == username_key("Alice")
    assert later.username_key == f"{username_key('AIice')}~{later.pk}"
    assert len(printed) == 1
    assert "'AIice'" in printed[0] and "'Alice'" in printed[0] and "keeps it" in printed[0]
    # Saving the later member (an admin edit, say) keeps the suffixed key instead of crashing
    # on the unique column; a new name gets a fresh key.
    later = Member.objects.get(pk=later.pk)
    later.save()
    later.username = "Alfred"
    later.save(update_fields=["username"])
    assert Member.objects.get(pk=later.pk).username_key == username_key("Alfred")


@pytest.mark.django_db
def test_old_look_alike_members_each_log_in_with_their_exact_name():
    alice, later = _old_members_whose_names_now_fold_alike()
    _run_migration()
    client = Client()
    assert _logged_in_as(client, "Alice") == alice.pk
    assert _logged_in_as(client, "AIice") == later.pk  # not into Alice's account
    assert Member.objects.get_by_natural_key("AIice") == later
    assert Member.objects.get_by_natural_key("alice") == alice


@pytest.mark.django_db
def test_recomputing_keys_survives_a_member_taking_anothers_old_key():
    """Alice's new key is the key Zed holds until Zed's own is recomputed: the unique column
    must never see both at once."""
    alice = make_member("Alice")
    zed = make_member("Zed")
    Member.objects.filter(pk=alice.pk).update(username_key="alice")
    Member.objects.filter(pk=zed.pk).update(username_key=username_key("Alice"))
    assert recompute_username_keys(Member) == []
    assert Member.objects.get(pk=alice.pk).username_key == username_key("Alice")
    assert Member.objects.get(pk=zed.pk).username_key == username_key("Zed")
