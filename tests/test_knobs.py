"""The knobs in parley/core/knobs/: each parsed and checked once (a bad value names its variable),
reachable as the Django setting it names, and listed in the README exactly as defined."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from parley.core import knobs

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_lists_every_knob_as_defined() -> None:
    readme = README.read_text(encoding="utf-8")
    assert knobs.readme_with_tables(readme) == readme, (
        "README.md's configuration tables differ from parley/core/knobs/: run "
        "`python -m parley.core.knobs` to rewrite them"
    )
    for knob in knobs.KNOBS:
        assert f"| `{knob.env}` |" in readme


def test_names_are_unique_and_say_parley() -> None:
    envs = [k.env for k in knobs.KNOBS]
    named = [k.setting for k in knobs.KNOBS if k.setting]
    assert len(set(envs)) == len(envs) and len(set(named)) == len(named)
    assert all(env.startswith("PARLEY_") for env in envs)
    assert all(k.doc and k.kind for k in knobs.KNOBS)


def test_an_empty_environment_gives_every_default() -> None:
    values = knobs.load({})
    for knob in knobs.KNOBS:
        assert values[knob] == knob.default
    assert values.django_settings()["PARLEY_FLOOD_SECONDS"] == knobs.FLOOD_SECONDS.default
    assert "PARLEY_PRESENCE_MAX_GUESTS" not in values.django_settings()  # unset: left out


def test_values_are_parsed_to_their_types() -> None:
    values = knobs.load(
        {
            "PARLEY_FLOOD_SECONDS": " 7 ",
            "PARLEY_DEBUG": "on",
            "PARLEY_SECURE_COOKIES": "0",
            "PARLEY_ALLOWED_HOSTS": "forum.example.org, www.example.org,",
            "PARLEY_PRESENCE_MAX_GUESTS": "500",
            "PARLEY_EMAIL_CONFIRMATION": "no",
            "PARLEY_LOG_LEVEL": "info",
            "PARLEY_HSTS_SECONDS": "",  # empty is unset
        }
    )
    assert values[knobs.FLOOD_SECONDS] == 7
    assert values[knobs.DEBUG] is True and values[knobs.SECURE_COOKIES] is False
    assert values[knobs.ALLOWED_HOSTS] == ("forum.example.org", "www.example.org")
    assert values[knobs.PRESENCE_MAX_GUESTS] == 500
    assert values[knobs.EMAIL_CONFIRMATION] is False
    assert values[knobs.LOG_LEVEL] == "INFO"
    assert values[knobs.HSTS_SECONDS] == 0


@pytest.mark.parametrize(
    ("env", "raw", "expected"),
    [
        ("PARLEY_FLOOD_SECONDS", "ten", "expected a whole number"),
        ("PARLEY_FLOOD_SECONDS", "-1", "expected at least 0"),
        ("PARLEY_POSTS_PER_PAGE", "0", "expected at least 1"),
        ("PARLEY_EMAIL_PORT", "70000", "at most 65535"),
        ("PARLEY_DEBUG", "maybe", "expected 1/0, true/false"),
        ("PARLEY_LOG_LEVEL", "LOUD", "expected one of DEBUG"),
        ("PARLEY_REDIS_URL", "127.0.0.1:6379", "expected a URL such as redis://"),
    ],
)
def test_a_bad_value_names_its_variable(env: str, raw: str, expected: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        knobs.load({env: raw})
    assert f"{env}=" in str(caught.value) and expected in str(caught.value)


def test_every_bad_value_is_reported_at_once_and_secrets_are_not_echoed() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        knobs.load({"PARLEY_NEWCOMER_DAYS": "x", "PARLEY_DATABASE_URL": "hunter2"})
    message = str(caught.value)
    assert "PARLEY_NEWCOMER_DAYS='x'" in message
    assert "PARLEY_DATABASE_URL=(hidden)" in message and "hunter2" not in message


def test_the_boards_knobs_are_django_settings_that_override_settings_changes() -> None:
    for knob in knobs.KNOBS:
        if knob.setting and knob.default is not None:
            assert hasattr(settings, knob.setting), knob.setting
    assert knobs.POSTS_PER_PAGE.get() == settings.POSTS_PER_PAGE
    with override_settings(PARLEY_NEWCOMER_POSTS=knobs.NEWCOMER_POSTS.default + 4):
        assert knobs.NEWCOMER_POSTS.get() == knobs.NEWCOMER_POSTS.default + 4
    assert knobs.PRESENCE_MAX_GUESTS.get() is None  # unset: each presence backend's own cap


def test_deployment_knobs_are_read_by_the_settings_module_only() -> None:
    with pytest.raises(TypeError, match="PARLEY_SECRET_KEY"):
        knobs.SECRET_KEY.get()
