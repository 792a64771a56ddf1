"""Fast settings for the test suite: MD5 hashing, in-memory email, a throwaway data dir.
PARLEY_DATABASE_URL / PARLEY_REDIS_URL still switch engines, so the same suite runs on both.

Importing them creates nothing either: without PARLEY_DATA_DIR they name a private directory in
the system's temporary one, which tests/conftest.py makes when pytest starts."""

import os
import secrets
import tempfile
from pathlib import Path

# Set in the environment, so that every subprocess a test starts inherits them too.
if not os.environ.get("PARLEY_DATA_DIR"):
    _private = Path(tempfile.gettempdir()) / f"parley-test-{secrets.token_hex(8)}"
    os.environ["PARLEY_DATA_DIR"] = str(_private)
if not os.environ.get("PARLEY_SECRET_KEY"):
    os.environ["PARLEY_SECRET_KEY"] = "test-secret-key-not-for-production"  # noqa: S105

from parley.core import datadir  # noqa: E402
from parley.settings import *  # noqa: E402,F403
from parley.settings import CACHES, DATABASES, HUEY, SQLITE_ENGINE  # noqa: E402

# The base settings ran before this module's body did (they are its package), so the key and
# the paths derived from the data directory are set again here.
SECRET_KEY = os.environ["PARLEY_SECRET_KEY"]
DATA_DIR = datadir.data_dir(os.environ)
STATIC_ROOT = DATA_DIR / "static"
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    DATABASES["default"]["NAME"] = str(DATA_DIR / "parley.sqlite3")
if CACHES["default"]["BACKEND"] == "parley.core.disk_cache.DiskCache":
    CACHES["default"]["LOCATION"] = str(DATA_DIR / "cache")
# Tasks run inline when enqueued (in memory, no consumer); tests/core/test_jobs.py starts a real
# consumer process against the file-backed queue.
HUEY = {**HUEY, "immediate": True}

# WhiteNoise looks static files up when asked rather than listing them all when its middleware
# is built: the test client builds the middleware afresh for every test, and listing every
# static file (the admin's too) each time cost about 70 ms a test.
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests post in bulk through the services; the gate's own tests switch these back on.
PARLEY_FLOOD_SECONDS = 0
PARLEY_NEWCOMER_FLOOD_SECONDS = 0
PARLEY_DUPLICATE_MINUTES = 0
PARLEY_REPORTS_PER_HOUR = 1_000  # queue tests file many reports; the limit's tests lower it
PARLEY_EMAIL_CONFIRMATION = False  # tests/accounts/test_email_confirmation.py turns it on
PARLEY_BACKGROUND_FLUSH = False  # tests flush explicitly (parley.core.flusher.run_due)
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
DEBUG = False
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    # Browser tests serve from a live server thread, so the test database must be a file that
    # both threads can open; WAL keeps readers and the writer out of each other's way.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(os.environ["PARLEY_DATA_DIR"], "test.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A test database needs no durability: commits (transactional tests commit after every
    # request) return without waiting for the WAL to reach the disk.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()
