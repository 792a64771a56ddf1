"""The data directory and the secret key kept in it.

Entry points (the `parley` command, parley/wsgi.py, the benchmark) call `prepare()` before
Django loads settings: it makes the directory and, unless PARLEY_SECRET_KEY is set, generates
the key file once. The settings only read (`read_secret_key`), so importing them writes nothing.
Nothing here imports Django settings: it runs before they exist."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path

from parley.core import knobs

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def data_dir(environ: Mapping[str, str]) -> Path:
    return Path(knobs.DATA_DIR.read(environ)).resolve()


def read_secret_key(directory: Path) -> str | None:
    """The generated key, or None when no `parley` command has made one yet."""
    try:
        return (directory / SECRET_KEY_FILE).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def missing_key_message(directory: Path) -> str:
    return (
        f"No secret key: PARLEY_SECRET_KEY is not set and {directory / SECRET_KEY_FILE} is "
        "missing or empty. Run any `parley` command once (e.g. `parley check`), which creates the "
        "data directory and the key file, or set PARLEY_SECRET_KEY."
    )


def prepare(environ: Mapping[str, str] | None = None) -> Path:
    """Make the data directory, and a secret key in it (mode 0600) unless PARLEY_SECRET_KEY is
    set or the key exists. Returns the directory."""
    environ = os.environ if environ is None else environ
    directory = data_dir(environ)
    directory.mkdir(parents=True, exist_ok=True)
    if not knobs.SECRET_KEY.read(environ) and read_secret_key(directory) is None:
        _write_key(directory / SECRET_KEY_FILE)
    return directory


def _write_key(path: Path) -> None:
    # Written whole under another name (mkstemp makes it 0600), then linked into place: a
    # reader never sees a half-written key, and of two commands starting at once on a fresh
    # install the second keeps the first one's key instead of replacing it.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(50))
        with contextlib.suppress(FileExistsError):  # another command's key came first
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
