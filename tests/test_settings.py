"""Settings without side effects: importing them (production or test variant) creates nothing on
disk; the `parley` command and parley/wsgi.py make the data directory and the secret key (0600)
on first use, and without a key the settings refuse to load with a message saying how to fix it.

Each case runs in a fresh interpreter with none of this process's PARLEY_/DJANGO_ variables, in
an empty working directory, so a relative default (`./var`) would show up there too."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from parley.core import datadir

ROOT = Path(__file__).resolve().parent.parent
# Django reads every setting of the module on first use; DATA_DIR shows where they point.
LOAD_SETTINGS = "from django.conf import settings; print(settings.DATA_DIR)"


def run_python(
    code: str, tmp_path: Path, *, module: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_"))}
    clean |= {"PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path / "tmp"), **env}
    if module:
        clean["DJANGO_SETTINGS_MODULE"] = module
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60
    )


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize("module", ["parley.settings", "parley.settings.test"])
def test_loading_the_settings_creates_nothing(tmp_path: Path, module: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    done = run_python(
        LOAD_SETTINGS, tmp_path, module=module, PARLEY_DATA_DIR=str(data), PARLEY_SECRET_KEY="k"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(data)
    assert tree(tmp_path) == ["cwd", "data", "tmp"]


def test_the_test_variant_only_names_its_private_directory(tmp_path: Path) -> None:
    done = run_python(LOAD_SETTINGS, tmp_path, module="parley.settings.test")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).parent == tmp_path / "tmp"  # in TMPDIR, made by conftest
    assert tree(tmp_path) == ["cwd", "tmp"]


def test_without_a_key_the_settings_say_how_to_get_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run_python(LOAD_SETTINGS, tmp_path, module="parley.settings", PARLEY_DATA_DIR=str(data))
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: No secret key")
    assert "PARLEY_SECRET_KEY" in last and "`parley check`" in last
    assert str(data / "secret_key") in last
    assert tree(tmp_path) == ["cwd", "tmp"]


def test_the_parley_command_makes_the_data_dir_and_a_private_key_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    check = "from parley.cli import main; main(['manage', 'check'])"
    first = run_python(check, tmp_path, PARLEY_DATA_DIR=str(data))
    assert first.returncode == 0, first.stderr
    key = data / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_text()) >= 50
    before = key.read_text()
    again = run_python(check, tmp_path, PARLEY_DATA_DIR=str(data))
    assert again.returncode == 0, again.stderr
    assert key.read_text() == before  # kept, so sessions survive restarts
    assert tree(tmp_path / "cwd") == []


def test_the_wsgi_module_prepares_the_data_dir_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run_python("import parley.wsgi", tmp_path, PARLEY_DATA_DIR=str(data))
    assert done.returncode == 0, done.stderr
    assert (data / "secret_key").exists()


def test_prepare_writes_no_key_when_the_environment_has_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    datadir.prepare({"PARLEY_DATA_DIR": str(data), "PARLEY_SECRET_KEY": "from-env"})
    assert data.is_dir()
    assert tree(data) == []


def test_prepare_keeps_an_existing_key(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("mine\n")
    datadir.prepare({"PARLEY_DATA_DIR": str(tmp_path)})
    assert datadir.read_secret_key(tmp_path) == "mine"
    assert tree(tmp_path) == ["secret_key"]  # no temporary file left behind
