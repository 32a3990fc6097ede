"""DigiPlace settings: one module, driven by environment variables.

Modes (``DIGIPLACE_MODE``):
- ``development`` (default): DEBUG on, SQLite in ``var/``, mail printed to the console.
- ``demo`` (the run command, scripts/run): as development, but with DEBUG off, so that
  visitors see the site's own translated error pages; static files (whitenoise) and
  uploaded files (``DIGIPLACE_SERVE_MEDIA``) are still served by the application.
- ``production``: DEBUG off; secrets, hosts and database come from the environment and
  the process refuses to start without them; secure cookies, HSTS and CSP.
- ``test``: used by the test suite, on PostgreSQL from ``DATABASE_URL`` or, without it, on
  SQLite in a temporary file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DIGIPLACE_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from error


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required in production mode "
            "(see README.md, 'Production settings')."
        )
    return value


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``postgres://user:pass@host:port/name`` or ``sqlite:///path`` into a DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path[1:] if path.startswith("//") else path,
            # One connection per worker, kept (opening one costs more than a page from the
            # cache: SQLite reads the whole schema again); write-ahead logging, so that
            # readers never wait for a writer (the web workers, the task worker).
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        host = unquote(parsed.hostname or "") or options.pop("host", "")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": host,
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


MODE = env("DIGIPLACE_MODE", "development")
if MODE not in {"development", "demo", "production", "test"}:
    raise ImproperlyConfigured("DIGIPLACE_MODE must be development, demo, production or test.")
PRODUCTION = MODE == "production"

DEBUG = env_bool("DIGIPLACE_DEBUG", MODE == "development")
# Uploaded files served by Django itself (config/urls.py) where no web server is in front:
# always with DEBUG on; in the demo too, where DEBUG is off.
SERVE_MEDIA = env_bool("DIGIPLACE_SERVE_MEDIA", MODE == "demo")

# The key of the keyed digests that stand for residents' personal numeric codes (census
# lists) and printed voting codes; without it, SECRET_KEY. Set it before uploading a census
# list or printing codes, so that a later change of SECRET_KEY keeps them valid.
PARTICIPATION_IDENTIFIER_SECRET = env("DIGIPLACE_PARTICIPATION_SECRET") or ""

# Waste (issue #12).
# An OSRM server whose table service gives road distances and times for collection routes
# (http://host:5000); empty: straight-line distance times a road factor.
WASTE_OSRM_URL = env("DIGIPLACE_WASTE_OSRM_URL") or ""
WASTE_OSRM_TIMEOUT = env_int("DIGIPLACE_WASTE_OSRM_TIMEOUT", 10)
# Seconds the route search of a collection plan may take (the background task's; more finds
# shorter routes on large days). Tests use a second or two.
WASTE_PLAN_SECONDS = env_int("DIGIPLACE_WASTE_PLAN_SECONDS", 10)

# Mobility (issue #13).
# Published ridership figures count at least this many distinct riders per cell; smaller
# cells are suppressed (with complementary suppression so that totals do not reveal them).
MOBILITY_RIDERSHIP_K = env_int("DIGIPLACE_MOBILITY_RIDERSHIP_K", 10)
# Days the vehicles' reported positions are kept (the control centre's replay; the learned
# travel times and the stop visits are kept apart).
MOBILITY_POSITION_RETENTION_DAYS = env_int("DIGIPLACE_MOBILITY_POSITION_RETENTION_DAYS", 90)

# Open data (issue #14).
# Aggregate cells counting fewer people than this are suppressed in published datasets (with
# complementary suppression); each dataset's page states its k.
OPENDATA_K = env_int("DIGIPLACE_OPENDATA_K", 10)
# Published locations of people's reports are snapped to a grid of this many metres.
OPENDATA_GRID_METRES = env_int("DIGIPLACE_OPENDATA_GRID_METRES", 50)
# Earlier versions of a dataset's files are kept this many days (the current one always).
OPENDATA_VERSION_RETENTION_DAYS = env_int("DIGIPLACE_OPENDATA_VERSION_RETENTION_DAYS", 90)
# After a write in a module, its datasets are regenerated at most this often (seconds).
OPENDATA_CHANGE_DELAY_SECONDS = env_int("DIGIPLACE_OPENDATA_CHANGE_DELAY_SECONDS", 300)
# Days of readings the published time series (air quality, heating, waste fill) go back.
OPENDATA_SERIES_DAYS = env_int("DIGIPLACE_OPENDATA_SERIES_DAYS", 365)

# Operations (issue #15).
# Where backups are written (the nightly ones and `manage.py backup` without a folder).
BACKUP_DIR = Path(env("DIGIPLACE_BACKUP_DIR") or VAR_DIR / "backups")
# Nightly backups kept: the newest N days, and the newest backup of each of the newest N weeks
# and of each of the newest N months that have one.
BACKUP_KEEP_DAILY = env_int("DIGIPLACE_BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("DIGIPLACE_BACKUP_KEEP_WEEKLY", 4)
BACKUP_KEEP_MONTHLY = env_int("DIGIPLACE_BACKUP_KEEP_MONTHLY", 6)
# Hour (UTC) of the nightly backup.
BACKUP_HOUR_UTC = env_int("DIGIPLACE_BACKUP_HOUR_UTC", 1)
# With a passphrase, archives are encrypted (age, scrypt); keep it outside the server too.
BACKUP_PASSPHRASE = env("DIGIPLACE_BACKUP_PASSPHRASE") or ""
# Optional copy to S3-compatible storage: s3://bucket/prefix, with the endpoint of a
# non-AWS provider and the keys.
BACKUP_S3_URL = env("DIGIPLACE_BACKUP_S3_URL") or ""
BACKUP_S3_ENDPOINT = env("DIGIPLACE_BACKUP_S3_ENDPOINT") or ""
BACKUP_S3_REGION = env("DIGIPLACE_BACKUP_S3_REGION") or ""
BACKUP_S3_ACCESS_KEY = env("DIGIPLACE_BACKUP_S3_ACCESS_KEY") or ""
BACKUP_S3_SECRET_KEY = env("DIGIPLACE_BACKUP_S3_SECRET_KEY") or ""
# /metrics answers a request bearing this token (Authorization: Bearer) or coming from one
# of these addresses; with neither set, no one.
METRICS_TOKEN = env("DIGIPLACE_METRICS_TOKEN") or ""
METRICS_ALLOWED_IPS = env_list("DIGIPLACE_METRICS_ALLOWED_IPS", [])
# Log lines as JSON objects (one a line: time, level, logger, message, request_id, task) or
# as plain text; JSON in production.
LOG_FORMAT = env("DIGIPLACE_LOG_FORMAT") or ("json" if PRODUCTION else "text")
# /readyz fails when the worker has not been seen for this long, or the disk holding the
# database and media has less free space than this.
READY_WORKER_STALE_SECONDS = env_int("DIGIPLACE_READY_WORKER_STALE_SECONDS", 180)
READY_MIN_FREE_MB = env_int("DIGIPLACE_READY_MIN_FREE_MB", 1024)

# Urban data (issue #11).
# The MQTT broker the ingest worker reads (mqtt://user:password@host:port); empty: no MQTT.
URBANDATA_MQTT_URL = env("DIGIPLACE_MQTT_URL") or ""
# Where the platform writes the broker's password and ACL files (mosquitto reads them).
URBANDATA_MQTT_FILES_DIR = env("DIGIPLACE_MQTT_FILES_DIR") or str(VAR_DIR / "mosquitto")
# Raw readings older than this many days are removed (their hourly and daily rollups stay);
# writes older than that are refused. 0 keeps raw readings for ever.
URBANDATA_RAW_RETENTION_DAYS = env_int("DIGIPLACE_URBANDATA_RAW_RETENTION_DAYS", 400)
# Private and local addresses that fetching @contexts and sending notifications and webhooks
# may reach (host names or addresses; "*" for all). Production refuses them unless listed;
# the run command's demo allows them.
URBANDATA_PRIVATE_HOSTS_ALLOWED = env_list(
    "DIGIPLACE_URBANDATA_PRIVATE_HOSTS_ALLOWED", ["*"] if MODE in {"demo", "development"} else []
)

if PRODUCTION:
    SECRET_KEY = env_required("DIGIPLACE_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DIGIPLACE_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        env_required("DIGIPLACE_ALLOWED_HOSTS")
    DATABASES = {"default": database_from_url(env_required("DATABASE_URL"))}
else:
    SECRET_KEY = env("DIGIPLACE_SECRET_KEY") or "insecure-development-key-do-not-use-in-production"
    ALLOWED_HOSTS = env_list(
        "DIGIPLACE_ALLOWED_HOSTS", [".localhost", "localhost", "127.0.0.1", "[::1]", "testserver"]
    )
    DATABASES = {
        "default": database_from_url(
            env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'digiplace.sqlite3'}"
        )
    }

if MODE == "test" and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, as the embedded default is, so that other processes (a `manage.py shell` in
    # the shared-cache test) open the same test database; one per process: runs may overlap.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"digiplace-test-{os.getpid()}.sqlite3")
    }
    # Throwaway data: no waiting for the disk on each commit (as the PostgreSQL pass's fsync=off).
    DATABASES["default"]["OPTIONS"]["init_command"] = (  # type: ignore[index]
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF"
    )

# Shared by every process (web workers, the task worker, management commands), so that a
# change made in one is seen by all: Redis when configured, else the database (table made by
# core's migration 0003_cache_table).
CACHE_TABLE = "digiplace_cache"
REDIS_URL = env("DIGIPLACE_REDIS_URL")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that hangs fails the request (and /readyz) in seconds, not forever.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Whole pages live here too (core.page_cache): room for every page of the cities.
            "OPTIONS": {"MAX_ENTRIES": env_int("DIGIPLACE_CACHE_MAX_ENTRIES", 20_000)},
        }
    )
}
# Anonymous pages are kept in the shared cache at most this long (a write makes them new at
# once: core.cache_versions); a reverse proxy may hold public data this many seconds.
PAGE_CACHE_SECONDS = env_int("DIGIPLACE_PAGE_CACHE_SECONDS", 600)
PAGE_CACHE_PROXY_SECONDS = env_int("DIGIPLACE_PAGE_CACHE_PROXY_SECONDS", 2)
# Signed-in pages are kept, for their session only, at most this long (they also count
# minutes: overdue reports); any write they could show makes them new at once.
PRIVATE_PAGE_CACHE_SECONDS = env_int("DIGIPLACE_PRIVATE_PAGE_CACHE_SECONDS", 60)
# Each web process also keeps the pages it served lately in its own memory, up to this many
# bytes, by the versions they were made from (never stale; the shared copy need not travel).
PAGE_CACHE_LOCAL_BYTES = env_int("DIGIPLACE_PAGE_CACHE_LOCAL_BYTES", 32_000_000)
# Streamed public exports up to this size are stored like pages; larger ones stream on.
PAGE_CACHE_MAX_BYTES = env_int("DIGIPLACE_PAGE_CACHE_MAX_BYTES", 2_000_000)

# Host names that show the platform's landing page (the list of hosted municipalities).
PLATFORM_HOSTS = env_list(
    "DIGIPLACE_PLATFORM_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"]
)

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "digiplace.core",
    "digiplace.plans",
    "digiplace.reports",
    "digiplace.participation",
    "digiplace.urbandata",
    "digiplace.waste",
    "digiplace.mobility",
    "digiplace.opendata",
    "digiplace.ops",
]

MIDDLEWARE = [
    # Outermost: every answer is counted and timed (refusals and cached pages too) and
    # carries a request id, which every log line written while answering it carries too.
    "digiplace.core.metrics.MetricsMiddleware",
    "digiplace.core.logs.RequestIdMiddleware",
    # First, so that every answer carries it, the earliest refusals included.
    "digiplace.core.middleware.PermissionsPolicyMiddleware",
    "digiplace.core.middleware.DisallowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "digiplace.core.middleware.MunicipalityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "digiplace.core.middleware.LanguageAndTimezoneMiddleware",
    # Anonymous pages from the shared cache (core.page_cache): after the host, language and
    # CSRF cookie are known; the headers of the middleware below are stored with the page.
    "digiplace.core.page_cache.PageCacheMiddleware",
    "digiplace.core.uploads.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION or MODE == "demo":
    # Static files straight from the application server (collectstatic into STATIC_ROOT in
    # production; in the demo, from the apps' folders, as runserver does with DEBUG on).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

if MODE == "demo":
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "digiplace.core.context_processors.platform",
            ],
        },
    },
]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Throttling of failed logins (django-axes): lock a username+address pair after 5 failures.
AXES_FAILURE_LIMIT = int(env("DIGIPLACE_LOGIN_FAILURE_LIMIT", "5") or 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/account/locked_out.html"
AXES_VERBOSE = False
# Successful logins are not logged (personal data we do not need); failures expire.
AXES_DISABLE_ACCESS_LOG = True

# Internationalisation: Romanian and English ship; a municipality picks its default.
LANGUAGE_CODE = "en"
LANGUAGES = [("ro", _("Romanian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Bucharest"
LANGUAGE_COOKIE_NAME = "digiplace_language"
MODELTRANSLATION_DEFAULT_LANGUAGE = "ro"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("ro", "en")

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DIGIPLACE_STATIC_ROOT") or VAR_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DIGIPLACE_MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks: the database-backed queue and `manage.py db_worker`.
TASKS = {
    "default": {
        # Tests run tasks inline after commit; the worker itself has its own tests.
        "BACKEND": env("DIGIPLACE_TASKS_BACKEND")
        or (
            "django_tasks.backends.immediate.ImmediateBackend"
            if MODE == "test"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# Mail: SMTP in production; the console in development unless DIGIPLACE_EMAIL_HOST is set.
EMAIL_HOST = env("DIGIPLACE_EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = int(env("DIGIPLACE_EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("DIGIPLACE_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env("DIGIPLACE_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("DIGIPLACE_EMAIL_USE_TLS", False)
EMAIL_BACKEND = env("DIGIPLACE_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or env("DIGIPLACE_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DIGIPLACE_FROM_EMAIL", "DigiPlace <no-reply@digiplace.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in emails: absolute, to the municipality's first host name, with this scheme and
# (where the site is not on the scheme's default port: runserver's 8000 in development and
# the demo) this port.
PUBLIC_SCHEME = env("DIGIPLACE_PUBLIC_SCHEME", "https" if PRODUCTION else "http") or "http"
PUBLIC_PORT = env("DIGIPLACE_PUBLIC_PORT", "8000" if MODE in {"development", "demo"} else "") or ""

# Maps: the tile server is configurable; pages stay usable without tiles.
MAP_TILE_URL = env("DIGIPLACE_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env(
    "DIGIPLACE_MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# API tokens stop working this many days after they were issued (0: never).
API_TOKEN_TTL_DAYS = int(env("DIGIPLACE_API_TOKEN_TTL_DAYS", "90") or 0)

REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_SCHEMA_CLASS": "digiplace.core.api.schema.ApiAutoSchema",
    # The token class first: DRF takes the WWW-Authenticate challenge from the first class,
    # and without one it answers 403 where 401 is meant.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "digiplace.core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "DigiPlace API",
    "DESCRIPTION": "Public and staff API of the DigiPlace smart-city platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Open311 is plain Django views: described by hand.
        "digiplace.reports.open311.schema.open311_paths_add",
    ],
}

# Content-Security-Policy (django-csp 4): scripts and styles from this site only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DIGIPLACE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DIGIPLACE_HSTS_SECONDS", "31536000") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("DIGIPLACE_CSRF_TRUSTED_ORIGINS", [])

# Reverse proxies in front of the application that append to X-Forwarded-For (nginx with
# proxy_add_x_forwarded_for counts one); the client address is read past them.
TRUSTED_PROXY_COUNT = int(env("DIGIPLACE_TRUSTED_PROXIES", "0") or 0)

# A request declaring a larger body is refused (413) before it is read: three photos of
# 8 MB (reports.photos.MAX_PHOTO_BYTES) and the form's fields, with room to spare.
MAX_REQUEST_BYTES = int(env("DIGIPLACE_MAX_REQUEST_BYTES") or 26 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Open311 api_key values never reach a log (gunicorn's access log: config/gunicorn.py).
    # request_context puts the request id (and the task) on every record; naming it here
    # also connects core.logs' task receivers in every process.
    "filters": {
        "redact_secrets": {"()": "digiplace.core.redaction.RedactSecretsFilter"},
        "request_context": {"()": "digiplace.core.logs.RequestContextFilter"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        # One JSON object a line, personal data and secrets replaced (core.logs).
        "json": {"()": "digiplace.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_secrets", "request_context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": ["redact_secrets", "request_context"],
        },
    },
    "root": {"handlers": ["console"], "level": env("DIGIPLACE_LOG_LEVEL", "INFO")},
    "loggers": {
        # The development server's request lines, with their query strings.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Demo: the run command prints this account's credentials for each municipality.
DEMO_PASSWORD = "demo-password-2026"
