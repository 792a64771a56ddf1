"""Settings read from the environment; every variable is a knob defined once in
parley/core/knobs.py (type, default, doc). Zero configuration gives the embedded default: SQLite in
WAL mode under PARLEY_DATA_DIR, a cache shared through files there, console email.

Importing this module creates and writes nothing. The `parley` command and parley/wsgi.py
prepare the data directory and generate the secret key file before Django loads settings
(parley/core/datadir.py); here the key is only read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from parley.core import datadir, knobs

# Lets Django's generic classes be subscripted at run time as their type stubs have them
# (ModelAdmin[FailedJob], ModelForm[Post], QuerySet[Thread]).
django_stubs_ext.monkeypatch()

# Every knob parsed and checked once: a bad value stops here with an error naming its variable.
_env = knobs.load(os.environ)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = datadir.data_dir(os.environ)

SECRET_KEY = _env[knobs.SECRET_KEY] or datadir.read_secret_key(DATA_DIR) or ""
# The test variant (parley.settings.test) is a submodule, so this body runs before it sets its
# own key; any other settings module that loads this one needs a key now.
if not SECRET_KEY and not os.environ.get("DJANGO_SETTINGS_MODULE", "").startswith(f"{__name__}."):
    raise ImproperlyConfigured(datadir.missing_key_message(DATA_DIR))
DEBUG = _env[knobs.DEBUG]
ALLOWED_HOSTS = list(_env[knobs.ALLOWED_HOSTS])
CSRF_TRUSTED_ORIGINS = list(_env[knobs.CSRF_TRUSTED_ORIGINS])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # its sitemap.xml templates
    "django_htmx",
    "huey.contrib.djhuey",
    "csp",
    "parley.core",
    "parley.accounts",
    "parley.forums",
    "parley.activity",
    "parley.moderation",
    "parley.permissions",
    "parley.notifications",
    "parley.feeds",
    "parley.search",
]

MIDDLEWARE = [
    "parley.core.server_timing.ServerTimingMiddleware",  # first: it times all the others
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "parley.core.middleware.RequireUtf8Middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "parley.permissions.middleware.PermissionsMiddleware",
    "parley.accounts.middleware.MemberTimezoneMiddleware",
    "parley.activity.presence.middleware.PresenceMiddleware",
    # Last: the session, the member and the stamps are read before it, always from the primary.
    "parley.core.replicas.ReplicaMiddleware",
]

ROOT_URLCONF = "parley.urls"
WSGI_APPLICATION = "parley.wsgi.application"
AUTH_USER_MODEL = "accounts.Member"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = ["parley.accounts.backends.NameOrEmailBackend"]

_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "parley.core.context_processors.site",
    "parley.notifications.context_processors.nav_badges",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": _CONTEXT_PROCESSORS,
            "builtins": [
                "parley.core.templatetags.parley",
                "django.templatetags.static",
                "django.contrib.humanize.templatetags.humanize",
            ],
        },
    },
    {
        # The hot pages and the partials they share (parley/templating.py says why).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "parley.templating.environment",
            "context_processors": _CONTEXT_PROCESSORS,
        },
    },
]

# --- Database: SQLite (WAL, IMMEDIATE transactions, busy timeout) unless a URL is given ----------
# Django's SQLite backend, with writers queued on a lock file and the WAL checkpointed in the
# background rather than inside a request's commit (parley/core/sqlite/).
SQLITE_ENGINE = "parley.core.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 20_000  # writers queue instead of failing with "database is locked"
# PostgreSQL sessions for web pages: no parallel plans and no JIT. Pages run short index walks;
# starting parallel workers costs about 5 ms, and the planner chose them for a long thread's
# first page (positions 1-20 exist in every thread, so it expected 17,000 rows for 20), which
# then took 8 ms instead of 0.2. JIT compiling costs tens of milliseconds, more than any page's
# query. A URL's own `?options=` come after these, so they win.
POSTGRES_SESSION_OPTIONS = "-c max_parallel_workers_per_gather=0 -c jit=off"
PREPARE_THRESHOLD = 5


def _postgres_session(config: dict[str, Any]) -> dict[str, Any]:
    if config.get("ENGINE") == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{POSTGRES_SESSION_OPTIONS} {options.get('options', '')}".strip()
        # Prepared statements: psycopg prepares a query on its fifth run on a connection, and
        # PostgreSQL then reuses its plan. Planning cost a page's queries more than running them
        # (1.3 ms against 0.5 for a forum's list). `?server_side_binding=false` on the URL turns
        # this off (a pooler in transaction mode without prepared-statement support).
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", PREPARE_THRESHOLD)
    return config


if _env[knobs.DATABASE_URL]:
    try:
        DATABASES = {
            "default": _postgres_session(
                dict(dj_database_url.parse(_env[knobs.DATABASE_URL], conn_max_age=60))
            )
        }
    except ValueError as exc:  # e.g. a scheme no database backend is known for
        raise ImproperlyConfigured(f"PARLEY_DATABASE_URL: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": SQLITE_ENGINE,
            "NAME": str(DATA_DIR / "parley.sqlite3"),
            # Kept open between requests, as PostgreSQL's are: opening SQLite and running the
            # PRAGMAs below cost about 0.8 ms a request, as much as serving a cached page.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
                # the busy timeout instead of deadlocking on a read-to-write upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS};"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY;"
                    "PRAGMA mmap_size=134217728;"
                ),
            },
        }
    }
# Read replicas: replica_0, replica_1… (parley/core/replicas.py decides which reads may use one).
# Tests use the primary's test database for them (TEST MIRROR), as their data is the same.
for _number, _replica_url in enumerate(_env[knobs.DATABASE_REPLICA_URLS]):
    if not _env[knobs.DATABASE_URL]:
        raise ImproperlyConfigured(
            "PARLEY_DATABASE_REPLICA_URLS: replicas need a primary in PARLEY_DATABASE_URL"
        )
    try:
        _replica = _postgres_session(dict(dj_database_url.parse(_replica_url, conn_max_age=60)))
    except ValueError as exc:
        raise ImproperlyConfigured(f"PARLEY_DATABASE_REPLICA_URLS: {exc}") from None
    DATABASES[f"replica_{_number}"] = _replica | {"TEST": {"MIRROR": "default"}}
# Without replica aliases the router has no opinion: Django's own routing.
DATABASE_ROUTERS = ["parley.core.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs: shared by every worker process -------------------------------------------
# Workers share nothing in memory that a reader must agree on. The embedded default keeps the
# cache in SQLite files under the data directory (diskcache), which every process on the machine
# sees; Redis takes over when PARLEY_REDIS_URL is set (and is what several machines need).
# Nothing that must survive an outage (revocations, permission versions) lives only in the cache:
# see parley/core/stamps.py.
CACHES: dict[str, dict[str, Any]]
if _env[knobs.REDIS_URL]:
    CACHES = {
        "default": {
            "BACKEND": "parley.core.cache.ResilientRedisCache",
            "LOCATION": _env[knobs.REDIS_URL],
            "KEY_PREFIX": "parley",
            # Fail fast when Redis is down: pages are served without the cache meanwhile.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "parley.core.disk_cache.DiskCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "TIMEOUT": 300,
            # Shards spread writers over several SQLite files; a reader never waits long.
            "SHARDS": 4,
            "DATABASE_TIMEOUT": 1.0,
            "OPTIONS": {"size_limit": 256 * 2**20},
        }
    }

# The job queue (Huey): SQLite in the data directory by default, Redis when configured. `parley
# worker` runs the consumer; `parley serve` starts one beside the web server.
HUEY = {
    "name": "parley",
    "results": False,
    "store_none": False,
    "utc": True,
    "immediate": False,
    "consumer": {
        "workers": 2,
        "worker_type": "thread",
        "periodic": True,
        "max_delay": 1.0,  # an idle SQLite consumer polls at least every second (Redis blocks)
        "shutdown_timeout": 20.0,  # a graceful stop waits this long for running jobs
    },
}
if _env[knobs.REDIS_URL]:
    # A page that enqueues must not hang on an unreachable Redis; the read timeout stays above
    # the consumer's 1 s blocking read.
    _query = dict(parse_qsl(urlsplit(_env[knobs.REDIS_URL]).query))
    _query = {"socket_connect_timeout": "0.5", "socket_timeout": "5"} | _query
    _url = urlsplit(_env[knobs.REDIS_URL])._replace(query=urlencode(_query)).geturl()
    HUEY |= {"huey_class": "huey.RedisHuey", "url": _url}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "jobs.sqlite3")}

# --- Auth and sessions ---------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Cookies are HttpOnly and SameSite=Lax always, Secure unless explicitly turned off (plain-HTTP
# loopback serving, as `make demo` does, turns it off).
SESSION_COOKIE_SECURE = _env[knobs.SECURE_COOKIES]
CSRF_COOKIE_SECURE = _env[knobs.SECURE_COOKIES]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_ENGINE = "parley.accounts.sessions"  # database rows: revocable in every worker
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _env[knobs.BEHIND_HTTPS_PROXY]:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS-only deployments: redirect plain HTTP and tell browsers to come back over HTTPS only.
# Off by default, because `make demo` serves plain HTTP; set both behind a TLS proxy.
SECURE_SSL_REDIRECT = _env[knobs.SSL_REDIRECT]
SECURE_HSTS_SECONDS = _env[knobs.HSTS_SECONDS]
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env[knobs.HSTS_INCLUDE_SUBDOMAINS]
SECURE_HSTS_PRELOAD = _env[knobs.HSTS_PRELOAD]

# Content-Security-Policy on every page: no inline script, no third-party anything.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "https:", "http:", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Email: console unless SMTP is configured ---------------------------------------------------
EMAIL_HOST = _env[knobs.EMAIL_HOST]
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = _env[knobs.EMAIL_PORT]
    EMAIL_HOST_USER = _env[knobs.EMAIL_USER]
    EMAIL_HOST_PASSWORD = _env[knobs.EMAIL_PASSWORD]
    EMAIL_USE_TLS = _env[knobs.EMAIL_TLS]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = _env[knobs.EMAIL_FROM]

# --- I18n and time ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: served by WhiteNoise from the app server, no separate web server needed -------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # a fresh checkout serves static files before collectstatic runs

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env[knobs.LOG_LEVEL]},
}

# --- Parley's own knobs -------------------------------------------------------------------------
# Each is a Django setting named in parley/core/knobs.py (PARLEY_FLOOD_SECONDS, SITE_NAME,
# POSTS_PER_PAGE, REDIS_URL…), so override_settings works; code reads them through the knob.
globals().update(_env.django_settings())
