"""Settings for the national catalogue of smart-city PPP projects.

Everything that differs between a laptop and a production server comes from the
environment (12-factor), with defaults that are safe and need no configuration:

- ``DATABASE_URL``  default: SQLite file ``var/db.sqlite3`` in the project folder;
  PostgreSQL in production, e.g. ``postgres://user:pass@host:5432/smartcities``.
- ``SECRET_KEY``    default: a random key generated once into ``var/secret_key``.
- ``DEBUG``         default: off.
- ``ALLOWED_HOSTS`` default: ``localhost,127.0.0.1,[::1]``.
- ``MEDIA_ROOT``    default: ``var/media``.
- ``DEPLOYMENT``    ``production`` behind HTTPS (secure cookies, HSTS, SSL redirect,
  a mandatory ``SECRET_KEY``); anything else is a development or test machine.
- ``REDIS_URL``     optional: the cache (pages, their version, dossier tasks) in Redis,
  shared by every app server.
- ``MEDIA_STORAGE_BACKEND``, ``MEDIA_STORAGE_OPTIONS``  optional: another storage for the
  uploads and cached PDFs than the ``MEDIA_ROOT`` folder, e.g. an S3-compatible bucket.
- ``PRIVATE_MEDIA_ROOT``  default: ``var/private-media``: project documents, served only
  through the portal (never by the proxy); ``DOCUMENT_STORAGE_BACKEND`` and
  ``DOCUMENT_STORAGE_OPTIONS`` optionally put them elsewhere, e.g. a private bucket.
"""

import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _default_secret_key() -> str:
    """Return a per-installation key kept in ``var/secret_key`` (created on first use)."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


PRODUCTION = env.str("DEPLOYMENT", default="development") == "production"
DEBUG = env.bool("DEBUG", default=False) and not PRODUCTION
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: every app server must share it
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _default_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "smartcities.apps.PortalAdminConfig",  # django.contrib.admin, its shortcut scoped
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver leaves static files to WhiteNoise, as in production: its own handler
    # answered a path out of the static folders (/static/%2e%2e/…) with a server error.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # /sitemap.xml (catalogue/public/sitemaps.py): its templates
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "municipalities",
    "caravan",
    "catalogue",
    "catalogue.engagement",  # after catalogue: its roles get the app's permissions
    # After catalogue, whose db_worker command (the library's, kept alive through
    # database errors) takes the place of this app's own.
    "django_tasks_db",
]

MIDDLEWARE = [
    # Load balancers' /healthz: answered before the host check and the HTTPS redirect.
    "smartcities.core.middleware.HealthCheckMiddleware",
    "smartcities.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # A view that loses the database answers 503 ("nothing was saved"), not 500.
    "smartcities.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "smartcities.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smartcities.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "smartcities.wsgi.application"

# Database: the same code runs on SQLite (embedded default) and PostgreSQL (production).
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{(VAR_DIR / 'db.sqlite3').as_posix()}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers and one writer work together; IMMEDIATE avoids
            # "database is locked" on write transactions under concurrent requests.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            # Seconds a connection waits for another's write lock (SQLite's busy timeout)
            # before "database is locked": a long import's write holds it for seconds.
            "timeout": env.int("SQLITE_TIMEOUT", default=20),
        }
    )
else:
    # Persistent connections: a new PostgreSQL connection per request costs ~15 ms.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "django.contrib.auth.backends.ModelBackend",
]

# Admin login protection (django-axes): 5 failures for a user from an address lock them
# out for an hour; every failure and lockout is logged.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: French first (default and fallback for content), then Arabic
# (right to left) and English. The order matters: translated model fields fall back to
# the first language.
LANGUAGE_CODE = "fr"
LANGUAGES = [
    ("fr", _("French")),
    ("ar", _("Arabic")),
    ("en", _("English")),
]
# The project's catalogues, then the strings Django and third-party apps lack (vendor).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
TIME_ZONE = "Africa/Tunis"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Figures and dates per language (Western digits, day-month-year): smartcities/formats/.
FORMAT_MODULE_PATH = ["smartcities.formats"]

# Security headers, in every mode so that a page breaking them shows at once.
# No inline script or style anywhere: the policy needs no 'unsafe-inline'.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "smartcities.core.views.csrf_failure"  # the portal's 403 page
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True

if PRODUCTION:
    # Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31_536_000  # one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

# Where `manage.py backup` writes by default (a folder per backup).
BACKUP_DIR = env.path("BACKUP_DIR", default=VAR_DIR / "backups")

# Uploads: refused above these sizes, with a message (smartcities/core/uploads.py).
MAX_IMAGE_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_DOCUMENT_UPLOAD_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Project documents (some restricted to staff): a folder that must NOT be served by the
# proxy; the portal serves each document itself after checking who asks.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private-media")
# Uploads and cached PDFs are read and written through Django's storage API only: the
# MEDIA_ROOT folder by default (a volume shared by every app server), or another backend,
# e.g. django-storages' S3 (`pip install '.[s3]'`) with its options as JSON (README).
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    # Project documents, some restricted to staff: never under MEDIA_ROOT (served by the
    # proxy), only through the portal's view that checks who asks (catalogue/public/documents.py).
    "documents": {
        "BACKEND": env.str(
            "DOCUMENT_STORAGE_BACKEND", default="smartcities.core.storage.PrivateFileSystemStorage"
        ),
        "OPTIONS": env.json("DOCUMENT_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background work (dossiers of many projects) runs in a worker process:
# `manage.py db_worker` (django-tasks-db), started by `make run` beside the web server.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# The public record. A published project nobody confirmed as current for this many days
# is marked "to be verified" on the portal and listed in the admin's verification queue.
VERIFICATION_INTERVAL_DAYS = env.int("VERIFICATION_INTERVAL_DAYS", default=365)
# The open licence the catalogue's data is published under: named on the pages, in
# every export and in the OC4IDS package (license, publicationPolicy).
DATA_LICENCE = {
    "name": env.str("DATA_LICENCE_NAME", default="CC BY 4.0"),
    "url": env.str("DATA_LICENCE_URL", default="https://creativecommons.org/licenses/by/4.0/"),
}

# A page waiting for a background task (a dossier, an import) says after this many
# seconds that no worker has picked the task up: the worker may be down.
TASK_UNCLAIMED_SECONDS = env.int("TASK_UNCLAIMED_SECONDS", default=60)

# PDF sheets and dossiers (catalogue/outputs/pdf.py).
PDF_RENDER_TIMEOUT = env.int("PDF_RENDER_TIMEOUT", default=60)  # seconds, then refused
DOSSIER_MAX_PROJECTS = 200  # above: refused, with advice to narrow the selection
DOSSIER_SYNC_MAX_PROJECTS = env.int("DOSSIER_SYNC_MAX_PROJECTS", default=30)  # above: background
# A dossier built in the background is rendered in parts of this many sheets, shared by
# the free task workers (catalogue/outputs/dossier_parts.py).
DOSSIER_PART_PROJECTS = env.int("DOSSIER_PART_PROJECTS", default=25)

# Caches. "default" holds cached pages and data: in each process by default, or Redis
# (REDIS_URL). "shared" holds what every process must agree on, the catalogue version
# and the dossiers being built: files under var/ shared by the processes of one machine
# (gunicorn workers, the task worker), or the same Redis when several machines serve.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    _redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    CACHES = {"default": _redis, "shared": _redis}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env.path("SHARED_CACHE_DIR", default=VAR_DIR / "shared-cache"),
        },
    }

# Public pages are cached under a version raised by every change (catalogue/caching.py).
CACHE_PUBLIC_PAGES = env.bool("CACHE_PUBLIC_PAGES", default=True)

# Logs: one JSON line per event on standard output, for a log collector. Each request
# is logged once with its status, duration and request id (smartcities/core/middleware.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "smartcities.core.logs.JsonFormatter"}},
    # Records that carry the request (a 500's traceback…) get its id.
    "filters": {
        "request_id": {"()": "smartcities.core.logs.RequestIdFilter"},
        "suspicious_request": {"()": "smartcities.core.logs.SuspiciousRequestFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own request lines would repeat ours.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # WeasyPrint narrates every rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # A request refused as suspicious (400): a warning line, without a traceback.
        **{
            f"django.security.{name}": {"filters": ["suspicious_request"]}
            for name in (
                "SuspiciousOperation",
                "DisallowedHost",
                "DisallowedRedirect",
                "InvalidSessionKey",
                "RequestDataTooBig",
                "SuspiciousFileOperation",
                "SuspiciousMultipartForm",
                "SuspiciousSession",
                "TooManyFieldsSent",
                "TooManyFilesSent",
            )
        },
    },
}

# E-mail (README, "E-mail"): printed on the console under `make run` (DEBUG), or on a
# development machine with no SMTP server configured; sent over SMTP to EMAIL_HOST
# otherwise (in production always: `localhost` by default). The test suite replaces
# every mailer by Django's in-memory one.
_smtp_host = env.str("EMAIL_HOST", default="")
_mail_backend = env.str("EMAIL_BACKEND", default="") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG or not (_smtp_host or PRODUCTION)
    else "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS = {
    "default": {
        "BACKEND": _mail_backend,
        "OPTIONS": (
            {
                "host": _smtp_host or "localhost",
                "port": env.int("EMAIL_PORT", default=587),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=True),
                "timeout": env.int("EMAIL_TIMEOUT", default=30),
            }
            if _mail_backend.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Smart Cities <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's public address, for the links in e-mail sent by the task worker.
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000")

# Investors and subscribers (catalogue/engagement/). Expressions of interest are taken on
# public projects at these stages (identified → under procurement).
ENGAGEMENT_INTEREST_STAGES = env.list(
    "ENGAGEMENT_INTEREST_STAGES", default=["prospective", "planning", "announced", "procurement"]
)
# Public forms: attempts per IP and per e-mail address in a window (catalogue/engagement/
# abuse.py), counted in the database, or in Redis when there is one.
ENGAGEMENT_RATE_LIMITS = {
    "per_ip": env.int("ENGAGEMENT_RATE_PER_IP", default=10),
    "per_address": env.int("ENGAGEMENT_RATE_PER_ADDRESS", default=5),
    "window_seconds": env.int("ENGAGEMENT_RATE_WINDOW", default=3600),
}
ENGAGEMENT_RATE_STORE = "cache:shared" if REDIS_URL else "database"
ENGAGEMENT_MIN_FILL_SECONDS = env.int("ENGAGEMENT_MIN_FILL_SECONDS", default=3)
# Personal data (law 2004-63): kept this many days, then purged by the task worker.
ENGAGEMENT_RETENTION_DAYS = env.int("ENGAGEMENT_RETENTION_DAYS", default=730)
ENGAGEMENT_UNCONFIRMED_DAYS = 7  # a subscription nobody confirmed
ENGAGEMENT_DATA_LINK_HOURS = 24  # the "my data" link sent by e-mail
ENGAGEMENT_VERIFICATION_REMINDER_DAYS = 14
ENGAGEMENT_PERIODIC_MINUTES = env.int("ENGAGEMENT_PERIODIC_MINUTES", default=60)
# Work the task worker schedules when it starts (each a function that enqueues its task
# unless it is already waiting): digests, verification notices, the retention purge.
WORKER_PERIODIC_TASKS = ["catalogue.engagement.tasks.ensure_scheduled"]
