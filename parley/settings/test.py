"""Fast settings for the test suite: MD5 hashing, in-memory email, a throwaway data dir.
PARLEY_DATABASE_URL / PARLEY_REDIS_URL still switch engines, so the same suite runs on both."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("PARLEY_DATA_DIR", tempfile.mkdtemp(prefix="parley-test-"))
os.environ.setdefault("PARLEY_SECRET_KEY", "test-secret-key-not-for-production")

from parley.settings import *  # noqa: E402,F403
from parley.settings import CACHES, DATABASES, HUEY  # noqa: E402

# The base settings were imported before this module's body ran (they are its package), so the
# paths derived from the data directory are pointed at the throwaway one here.
DATA_DIR = Path(os.environ["PARLEY_DATA_DIR"])
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = str(DATA_DIR / "parley.sqlite3")
if CACHES["default"]["BACKEND"] == "diskcache.DjangoCache":
    CACHES["default"]["LOCATION"] = str(DATA_DIR / "cache")
# Tasks run inline when enqueued (in memory, no consumer); tests/core/test_jobs.py starts a real
# consumer process against the file-backed queue.
HUEY = {**HUEY, "immediate": True}

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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Browser tests serve from a live server thread, so the test database must be a file that
    # both threads can open; WAL keeps readers and the writer out of each other's way.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(os.environ["PARLEY_DATA_DIR"], "test.sqlite3")
    }
