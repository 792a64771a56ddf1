"""The machinery of parley/core/knobs/: what a knob is, how raw values are parsed and checked,
loading them all from an environment, and the README's tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")
# A knob is read-only: a Knob[tuple[str, ...]] serves where a Knob[Iterable[str]] is asked for.
T_co = TypeVar("T_co", covariant=True)


class BadValue(ValueError):
    """A raw value is not what the knob expects; the message says what it expects."""


@dataclass(frozen=True, eq=False)
class Knob(Generic[T_co]):
    env: str  # the environment variable that sets it
    default: T_co  # the value when the variable is unset or empty
    doc: str  # one line, for the README
    kind: str  # the type, as the README names it
    parse: Callable[[str], T_co]  # raises BadValue
    section: str
    setting: str | None  # the Django setting holding it; None: read by the settings module only
    default_text: str = ""  # the README's default when the value alone would mislead
    secret: bool = False  # never echoed in an error message

    def get(self) -> T_co:
        """The value in force: the Django setting (so `override_settings` applies), or the
        default under a settings module that leaves it out."""
        if self.setting is None:
            raise TypeError(f"{self.env} is read by the settings module only")
        value: T_co = getattr(settings, self.setting, self.default)
        return value

    def read(self, environ: Mapping[str, str]) -> T_co:
        raw = environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            return self.parse(raw)
        except BadValue as exc:
            shown = "(hidden)" if self.secret else repr(raw)
            raise ImproperlyConfigured(f"{self.env}={shown}: {exc}.") from None


KNOBS: list[Knob[Any]] = []  # in README order


# --- Parsers ------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_flag(raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise BadValue("expected 1/0, true/false, yes/no or on/off")


def whole(minimum: int, maximum: int | None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise BadValue("expected a whole number")
        value = int(raw)
        if value < minimum or (maximum is not None and value > maximum):
            top = f" and at most {maximum}" if maximum is not None else ""
            raise BadValue(f"expected at least {minimum}{top}")
        return value

    return parse


def parse_text(raw: str) -> str:
    return raw


def parse_names(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def url(*schemes: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        scheme, sep, _ = raw.partition("://")
        if not sep or (schemes and scheme.lower() not in schemes):
            raise BadValue(f"expected a URL such as {schemes[0] if schemes else 'scheme'}://…")
        return raw

    return parse


def choice(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.upper() not in choices:
            raise BadValue(f"expected one of {', '.join(choices)}")
        return raw.upper()

    return parse


# --- Sections: each defines and registers its knobs ---------------------------------------------

LIKE_ENV = "like-env"  # the default `setting`: a Django setting named like the variable


class Section:
    """Knobs the README lists under one heading."""

    def __init__(self, title: str) -> None:
        self.title = title

    def add(self, knob: Knob[T]) -> Knob[T]:
        if any(k.env == knob.env for k in KNOBS):
            raise ValueError(f"{knob.env} is defined twice")
        KNOBS.append(knob)
        return knob

    def number(
        self,
        env: str,
        default: int,
        doc: str,
        *,
        unit: str = "number",
        minimum: int = 0,
        maximum: int | None = None,
        setting: str | None = LIKE_ENV,
    ) -> Knob[int]:
        parse = whole(minimum, maximum)
        return self.add(Knob(env, default, doc, unit, parse, self.title, _named(env, setting)))

    def flag(
        self, env: str, default: bool, doc: str, *, setting: str | None = LIKE_ENV
    ) -> Knob[bool]:
        return self.add(
            Knob(env, default, doc, "on/off", parse_flag, self.title, _named(env, setting))
        )

    def text(
        self,
        env: str,
        default: str,
        doc: str,
        *,
        kind: str = "text",
        parse: Callable[[str], str] = parse_text,
        setting: str | None = LIKE_ENV,
        default_text: str = "",
        secret: bool = False,
    ) -> Knob[str]:
        named = _named(env, setting)
        return self.add(
            Knob(env, default, doc, kind, parse, self.title, named, default_text, secret)
        )

    def names(
        self, env: str, default: tuple[str, ...], doc: str, *, setting: str | None = LIKE_ENV
    ) -> Knob[tuple[str, ...]]:
        kind = "comma-separated list"
        return self.add(
            Knob(env, default, doc, kind, parse_names, self.title, _named(env, setting))
        )

    def optional(
        self, env: str, doc: str, *, kind: str, parse: Callable[[str], T], default_text: str
    ) -> Knob[T | None]:
        """Unset (None) means "decided elsewhere", as `default_text` tells the README; the
        Django setting is then left out."""
        knob = Knob[T | None](env, None, doc, kind, parse, self.title, env, default_text)
        return self.add(knob)


def _named(env: str, setting: str | None) -> str | None:
    return env if setting == LIKE_ENV else setting


# --- Loading ------------------------------------------------------------------------------------


class Values:
    """Every knob's value from one environment, parsed and checked."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, knob: Knob[T]) -> T:
        value: T = self._values[knob.env]
        return value

    def django_settings(self) -> dict[str, Any]:
        """The board's own knobs as Django settings. A knob left unset whose default is None
        ("decided elsewhere") is left out, as a settings module that does not name it would."""
        return {
            k.setting: self._values[k.env]
            for k in KNOBS
            if k.setting is not None and self._values[k.env] is not None
        }


def load(environ: Mapping[str, str]) -> Values:
    """Parse every knob; one ImproperlyConfigured lists every bad variable."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for knob in KNOBS:
        try:
            values[knob.env] = knob.read(environ)
        except ImproperlyConfigured as exc:
            problems.append(str(exc))
    if problems:
        raise ImproperlyConfigured("Bad setting in the environment: " + " ".join(problems))
    return Values(values)


# --- The README's tables ------------------------------------------------------------------------

README_START = "<!-- knobs: generated from parley/core/knobs/ by `python -m parley.core.knobs` -->"
README_END = "<!-- /knobs -->"


def _default_text(knob: Knob[Any]) -> str:
    if knob.default_text:
        return knob.default_text
    value = knob.default
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return f"`{','.join(value)}`" if value else "none"
    if value == "":
        return "empty"
    return f"`{value}`"


def readme_tables() -> str:
    """The README's configuration tables, one per section, between the two marker lines."""
    lines = [README_START]
    for section in dict.fromkeys(k.section for k in KNOBS):
        lines += [
            "",
            f"**{section}**",
            "",
            "| Variable | Type | Default | Meaning |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{k.env}` | {k.kind} | {_default_text(k)} | {k.doc} |"
            for k in KNOBS
            if k.section == section
        ]
    return "\n".join([*lines, "", README_END])


def readme_with_tables(readme: str) -> str:
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    return readme[:start] + readme_tables() + readme[end:]
