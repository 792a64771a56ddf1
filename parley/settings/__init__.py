"""Settings read from the environment. Zero configuration gives the embedded default:
SQLite in WAL mode under PARLEY_DATA_DIR, an in-process cache, console email."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PARLEY_DATA_DIR", "var")).resolve()


def _secret_key() -> str:
    """PARLEY_SECRET_KEY wins; otherwise one is generated once and kept in the data directory,
    so a zero-configuration install is still safe and sessions survive restarts."""
    if key := os.environ.get("PARLEY_SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("PARLEY_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("PARLEY_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("PARLEY_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
SITE_NAME = os.environ.get("PARLEY_SITE_NAME", "Parley")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
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
]

MIDDLEWARE = [
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
]

ROOT_URLCONF = "parley.urls"
WSGI_APPLICATION = "parley.wsgi.application"
AUTH_USER_MODEL = "accounts.Member"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = ["parley.accounts.backends.NameOrEmailBackend"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parley.core.context_processors.site",
                "parley.notifications.context_processors.nav_badges",
            ],
            "builtins": [
                "parley.core.templatetags.parley",
                "django.templatetags.static",
                "django.contrib.humanize.templatetags.humanize",
            ],
        },
    }
]

# --- Database: SQLite (WAL, IMMEDIATE transactions, busy timeout) unless a URL is given ----------
DATABASE_URL = os.environ.get("PARLEY_DATABASE_URL", "")
SQLITE_BUSY_TIMEOUT_MS = 20_000  # writers queue instead of failing with "database is locked"
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "parley.sqlite3"),
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and jobs: shared by every worker process -------------------------------------------
# Workers share nothing in memory that a reader must agree on. The embedded default keeps the
# cache in SQLite files under the data directory (diskcache), which every process on the machine
# sees; Redis takes over when PARLEY_REDIS_URL is set (and is what several machines need).
# Nothing that must survive an outage (revocations, permission versions) lives only in the cache:
# see parley/core/stamps.py.
REDIS_URL = os.environ.get("PARLEY_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "parley.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "parley",
            # Fail fast when Redis is down: pages are served without the cache meanwhile.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "diskcache.DjangoCache",
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
if REDIS_URL:
    from urllib.parse import parse_qsl, urlencode, urlsplit

    # A page that enqueues must not hang on an unreachable Redis; the read timeout stays above
    # the consumer's 1 s blocking read.
    _query = dict(parse_qsl(urlsplit(REDIS_URL).query))
    _query = {"socket_connect_timeout": "0.5", "socket_timeout": "5"} | _query
    _url = urlsplit(REDIS_URL)._replace(query=urlencode(_query)).geturl()
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
SECURE_COOKIES = env_bool("PARLEY_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_ENGINE = "parley.accounts.sessions"  # database rows: revocable in every worker
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("PARLEY_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS-only deployments: redirect plain HTTP and tell browsers to come back over HTTPS only.
# Off by default, because `make demo` serves plain HTTP; set both behind a TLS proxy.
SECURE_SSL_REDIRECT = env_bool("PARLEY_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("PARLEY_HSTS_SECONDS", "0") or 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PARLEY_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("PARLEY_HSTS_PRELOAD", False)

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
EMAIL_HOST = os.environ.get("PARLEY_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("PARLEY_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("PARLEY_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("PARLEY_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("PARLEY_EMAIL_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("PARLEY_EMAIL_FROM", "parley@localhost")
# New accounts confirm their address before they can log in; on when real email is sent.
PARLEY_EMAIL_CONFIRMATION = env_bool("PARLEY_EMAIL_CONFIRMATION", bool(EMAIL_HOST))

# --- I18n and time ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: served by WhiteNoise from the app server, no separate web server needed -------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # a fresh checkout serves static files before collectstatic runs

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARLEY_LOG_LEVEL", "WARNING")},
}

# --- Forum behaviour ----------------------------------------------------------------------------
POSTS_PER_PAGE = 20
THREADS_PER_PAGE = 20
# Who counts as online: visitors seen within this many minutes (XenForo's default is 15).
PARLEY_ONLINE_WINDOW_MINUTES = int(os.environ.get("PARLEY_ONLINE_WINDOW_MINUTES", "15"))
# Threads with no post newer than this count as read, so read markers stay bounded.
PARLEY_UNREAD_CUTOFF_DAYS = int(os.environ.get("PARLEY_UNREAD_CUTOFF_DAYS", "30"))
# How often the "who is viewing" blocks refresh themselves (htmx polling).
PARLEY_PRESENCE_POLL_SECONDS = int(os.environ.get("PARLEY_PRESENCE_POLL_SECONDS", "20"))
PARLEY_PRESENCE_REDIS_PREFIX = "parley:presence:"
# Guests are counted at most this many per IPv4 /24 or IPv6 /64, and kept at most this many in
# all (unset: 10,000 in the database, 100,000 in Redis), so invented guests cannot grow pages.
PARLEY_PRESENCE_GUESTS_PER_NETWORK = int(os.environ.get("PARLEY_PRESENCE_GUESTS_PER_NETWORK", "32"))
if os.environ.get("PARLEY_PRESENCE_MAX_GUESTS"):
    PARLEY_PRESENCE_MAX_GUESTS = int(os.environ["PARLEY_PRESENCE_MAX_GUESTS"])
# Each process stores buffered visits and view counts from a background thread, every second.
PARLEY_BACKGROUND_FLUSH = env_bool("PARLEY_BACKGROUND_FLUSH", True)
# How often an open thread page asks whether new replies arrived (htmx polling).
PARLEY_LIVE_POLL_SECONDS = int(os.environ.get("PARLEY_LIVE_POLL_SECONDS", "10"))
# Posting gate (parley/moderation/gate.py): flood control and approval for newcomers.
PARLEY_FLOOD_SECONDS = 10  # between two posts by one member
PARLEY_NEWCOMER_FLOOD_SECONDS = 30  # the same, for newcomers
PARLEY_NEWCOMER_POSTS = 5  # a member with fewer published posts is a newcomer…
PARLEY_NEWCOMER_DAYS = 1  # …and so is one who joined less than this many days ago
PARLEY_DUPLICATE_MINUTES = 5  # the same text again within this window is refused
PARLEY_APPROVAL_FIRST_POSTS = int(os.environ.get("PARLEY_APPROVAL_FIRST_POSTS", "0"))  # 0 = off
PARLEY_APPROVAL_MAX_LINKS = 3  # a newcomer's post with more links waits for approval
# Rate limits (parley/core/ratelimit.py), per fixed window.
PARLEY_REGISTER_MIN_SECONDS = 3  # a registration form submitted faster is a bot
PARLEY_REGISTER_ATTEMPTS_PER_IP = 20  # per hour
PARLEY_LOGIN_FAILURES_PER_ACCOUNT = 5  # then a cool-off for that account
PARLEY_LOGIN_FAILURES_PER_IP = 20
PARLEY_LOGIN_COOLOFF_SECONDS = 600
PARLEY_REPORTS_PER_HOUR = 10
# At most this many new replies are loaded into an open page at once.
LIVE_REPLIES_MAX = 50
