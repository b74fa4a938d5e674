"""StudyHub settings: one module, configured by environment variables.

Defaults are for development on SQLite. Production sets DJANGO_DEBUG=0 (the default)
and must then provide DJANGO_SECRET_KEY, or start-up fails: a development secret must
never reach production silently.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Production is served over HTTPS by one reverse proxy (README "Production"). Off only
# in development and for the test suite's plain-http live server.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "studyhub.apps.StudyHubAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "taggit",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Pages for a logged-in member carry private content: never cached.
    "studyhub.middleware.NoStoreForMembersMiddleware",
    # Logs 403 responses as security events.
    "studyhub.middleware.SecurityEventMiddleware",
    # django-axes wants to be last: it turns a lockout into our login page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "studyhub.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The header's unread count: one query, only when a page shows it.
                "articles.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "studyhub.wsgi.application"

# SQLite by default: WAL lets readers and one writer work at once; IMMEDIATE makes a
# writing transaction take the write lock up front, so concurrent writers queue on the
# busy timeout instead of failing with "database is locked" on a lock upgrade.
# The timeout (seconds) stays well below gunicorn's worker timeout.
SQLITE_BUSY_TIMEOUT = 20
# Persistent connections: each gthread worker thread keeps its connection for a minute
# instead of opening one per request (SQLite: a new connection registers Django's SQL
# functions and runs the PRAGMAs below; measured with bench/load.py, a logged-in page
# that does no work served 619 req/s with 0 and 1,110 req/s with 60). Health checks
# drop a connection the database closed (a PostgreSQL restart) instead of failing a
# request.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }

# Background jobs (articles/services/jobs.py): the django-tasks backport of Django 6's
# django.tasks, queued in the database and run by `manage.py db_worker` (README
# "Production"). The test suite runs them in the calling thread (tests/testenv.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
    }
}

# E-mail (notifications, sent by the worker): printed on the console in
# development; in production SMTP as the environment says (README "Notifications").
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address, for the links in e-mails (the worker has no request).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000")

# The read models' cache (articles/reading/cache.py): entries are found through
# versions that writes bump, so a timeout only frees memory and never decides what is
# current. By default files under var/cache, shared by every gunicorn worker on the
# machine with no set-up; measured against Django's DatabaseCache on SQLite (a 1,000-
# annotation layer, 2,000 other entries): reading it 1.8 ms from files vs 5.7 ms from
# the table, the version look-up 0.08 ms both; a write without taking SQLite's write
# lock in a GET. studyhub/cache.py counts the folder for culling once per 30 s
# instead of on every write (8.6 ms at 5,000 entries) and compresses faster.
# Several hosts share a Redis: CACHE_URL (or REDIS_URL), e.g.
# redis://127.0.0.1:6379/0, selects Django's own RedisCache.
# locmem:// is the test suite's per-process cache (tests/testenv.py).
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
if CACHE_URL.startswith("locmem:"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "studyhub",
            "TIMEOUT": 7 * 24 * 3600,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "studyhub.cache.FileCache",
            "LOCATION": os.environ.get(
                "DJANGO_CACHE_DIR", str(BASE_DIR / "var" / "cache")
            ),
            "TIMEOUT": 7 * 24 * 3600,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Member"

# Argon2 first (Django's recommendation); older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# The axes backend comes first: a locked-out login is refused before any hashing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded files members hand in (reflections): never public media. Local files in a
# private directory outside STATIC_ROOT by default, served only by views that check
# access; or an S3-compatible bucket through django-storages (README "Uploaded
# files"). `manage.py backup` copies them through this storage either way.
PRIVATE_UPLOADS_ROOT = Path(
    os.environ.get("DJANGO_PRIVATE_ROOT", BASE_DIR / "private-uploads")
)
if os.environ.get("DJANGO_UPLOADS_S3_BUCKET"):
    STORAGES["uploads"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DJANGO_UPLOADS_S3_BUCKET"],
            "endpoint_url": os.environ.get("DJANGO_UPLOADS_S3_ENDPOINT") or None,
            "region_name": os.environ.get("DJANGO_UPLOADS_S3_REGION") or None,
            "access_key": os.environ.get("DJANGO_UPLOADS_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("DJANGO_UPLOADS_S3_SECRET_KEY") or None,
            "addressing_style": os.environ.get("DJANGO_UPLOADS_S3_ADDRESSING") or None,
            "location": os.environ.get("DJANGO_UPLOADS_S3_PREFIX", "studyhub"),
            # Private objects; StudyHub reads them and serves them itself.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }
else:
    STORAGES["uploads"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": PRIVATE_UPLOADS_ROOT,
            "directory_permissions_mode": 0o700,
            "file_permissions_mode": 0o600,
        },
    }

# Uploads for import are read in memory up to this size; the importer enforces its own
# limit and says so in Chinese, so Django's generic 400 must not trigger first.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security -----------------------------------------------------------------------
# `manage.py check --deploy --fail-level WARNING` is clean with the production
# environment in the README (CI runs it: `make check-deploy`).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600  # a working day; the member logs in again tomorrow
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    # The proxy terminates TLS and overwrites X-Forwarded-Proto; trust it only there.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The proxy's health check speaks plain http to gunicorn.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, Path=/, no Domain, so a subdomain cannot overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
# Templates keep JS in static/js and CSS in static/css; the Django 5.2 admin has no
# inline script or style either (tests/security/test_headers.py checks both).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Login throttling (django-axes): after 5 failures for one username from one address,
# that pair is locked for 15 minutes; the member sees why on the login page. Counting
# the pair (not the username alone) keeps an attacker from locking a member out.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# The client address. Production runs behind exactly one reverse proxy, which sets
# X-Forwarded-For to the address it sees (nginx: `proxy_set_header X-Forwarded-For
# $remote_addr;`, README "Production"), so the header holds exactly one address.
# ipware's proxy count is the number of *further* addresses it expects in the header:
# 0. A header with more entries (a client adding its own) does not match, and ipware
# then falls back to REMOTE_ADDR, the proxy: a forger cannot pick a fresh address per
# attempt to dodge the lockout. Without a proxy (development), REMOTE_ADDR alone.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", HTTPS)
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_PROXY_COUNT = 0
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if BEHIND_PROXY else ["REMOTE_ADDR"]
)

# Security events (login failures, lockouts, denials) go as one JSON object per line
# to the `studyhub.security` logger (studyhub/security.py), for the log shipper.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "studyhub.security.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
    "loggers": {
        "jieba": {"level": "WARNING"},
        "studyhub.security": {
            "handlers": ["security"],
            "level": "INFO",
            "propagate": False,
        },
        # axes logs every attempt in prose; our JSON events carry what matters.
        "axes": {"level": "WARNING"},
    },
}
