"""An HTTPS deployment configured through the environment passes `parley check` without the
HSTS and SSL-redirect warnings; the plain-HTTP default keeps both off (and says so)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def check_ids(tmp_path, **env: str) -> set[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_"))}
    result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "parley.cli", "check", "--workers", "3"],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "parley.settings",
            "PARLEY_DATA_DIR": str(tmp_path),
            "PARLEY_SECRET_KEY": "x" * 60 + "-deploy-check-secret-key-long-and-random",
            "PARLEY_ALLOWED_HOSTS": "forum.example.org",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "System checks (with deployment checks)" in result.stdout, result.stderr
    return {line.split(":")[0].strip() for line in result.stdout.splitlines() if ": " in line}


@pytest.mark.parametrize("with_https", [False, True])
def test_hsts_and_https_redirect_come_from_the_environment(tmp_path, with_https) -> None:
    https = {
        "PARLEY_HSTS_SECONDS": "31536000",
        "PARLEY_HSTS_INCLUDE_SUBDOMAINS": "1",
        "PARLEY_HSTS_PRELOAD": "1",
        "PARLEY_SSL_REDIRECT": "1",
        "PARLEY_BEHIND_HTTPS_PROXY": "1",
    }
    found = check_ids(tmp_path, **(https if with_https else {}))
    warnings = {"security.W004", "security.W008"}
    if with_https:
        assert not (found & {"security.W004", "security.W008", "security.W005", "security.W021"})
    else:
        assert warnings <= found
