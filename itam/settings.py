"""Settings, all from the environment (12-factor).

Defaults run on one laptop: SQLite in the project folder, Celery tasks run eagerly in-process,
mail printed to the console. Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; see README.md.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from itam.schedule import reminder_schedule

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-local-development-only-never-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0 (use 50+ random characters).")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute links in e-mails and QR codes come from here, never from the request's Host header.
ITAM_BASE_URL = env.str("ITAM_BASE_URL", default="http://localhost:8000").rstrip("/")
ITAM_TAG_PREFIX = env.str("ITAM_TAG_PREFIX", default="IT")
ITAM_TAG_DIGITS = env.int("ITAM_TAG_DIGITS", default=6)
ITAM_PAGE_SIZE = env.int("ITAM_PAGE_SIZE", default=50)
# Requests: above this estimated cost a second approval by IT staff is needed.
ITAM_SECOND_APPROVAL_ABOVE = Decimal(env.str("ITAM_SECOND_APPROVAL_ABOVE", default="2000"))
# Over-budget requests: warn the approver (default) or refuse the approval.
ITAM_BLOCK_OVER_BUDGET = env.bool("ITAM_BLOCK_OVER_BUDGET", default=False)
ITAM_CURRENCY = env.str("ITAM_CURRENCY", default="GBP")
# The month the fiscal year starts (1 = January, 4 = April).
ITAM_FISCAL_YEAR_START_MONTH = env.int("ITAM_FISCAL_YEAR_START_MONTH", default=1)
# Reminders (Celery beat, daily): when they run and how far ahead they look.
ITAM_REMINDER_TIME = env.str("ITAM_REMINDER_TIME", default="06:30")
ITAM_LICENSE_REMINDER_DAYS = tuple(
    sorted(env.list("ITAM_LICENSE_REMINDER_DAYS", cast=int, default=[60, 30, 7]), reverse=True)
)
ITAM_WARRANTY_REMINDER_DAYS = env.int("ITAM_WARRANTY_REMINDER_DAYS", default=30)
ITAM_MAINTENANCE_REMINDER_DAYS = env.int("ITAM_MAINTENANCE_REMINDER_DAYS", default=7)
ITAM_AUDIT_REMINDER_DAYS = env.int("ITAM_AUDIT_REMINDER_DAYS", default=7)
ITAM_REQUEST_REMINDER_DAYS = env.int("ITAM_REQUEST_REMINDER_DAYS", default=3)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "itam",
    "assets",
    "requests_app",
    "maintenance",
    "audits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]
# The benchmark's per-request SQL count (bench/middleware.py, X-Bench-* headers): opt-in through
# ITAM_BENCH_SQL=1 for `make bench` only, never set in production.
if env.bool("ITAM_BENCH_SQL", default=False):
    MIDDLEWARE.insert(0, "bench.middleware.SQLCountMiddleware")

ROOT_URLCONF = "itam.urls"
WSGI_APPLICATION = "itam.wsgi.application"

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
                "django.template.context_processors.csp",
                "itam.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Wait for a concurrent writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "itam",
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Failed logins: five tries per user and address, then a 15-minute cool-off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# The forgotten-password form: e-mails an hour to one address, and requests an hour from one
# client address (itam/accounts.py, PasswordResetView). 0 switches a limit off.
ITAM_RESET_PER_ADDRESS = env.int("ITAM_RESET_PER_ADDRESS", default=3)
ITAM_RESET_PER_CLIENT = env.int("ITAM_RESET_PER_CLIENT", default=20)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"
# Uploaded certificates live under MEDIA_ROOT/private/ and are never served as media: only the
# authenticated certificate views hand them out. Files up to the 5 MB certificate limit stay in
# memory; the rest of a request body (not files) keeps Django's 2.5 MB cap.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024 + 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# The organisation named on disposal certificates.
ITAM_ORGANISATION = env.str("ITAM_ORGANISATION", default="ITAM")
# A retirement candidate when its maintenance so far costs more than this share of its price.
ITAM_REPAIR_SHARE = Decimal(env.str("ITAM_REPAIR_SHARE", default="0.5"))
# CSV imports: whether 03/04/2025 is 3 April (day first, the default) or March 4.
ITAM_IMPORT_DAY_FIRST = env.bool("ITAM_IMPORT_DAY_FIRST", default=True)


def _mailer_from_url(url: str) -> dict:
    """Turn ``EMAIL_URL`` (smtp://, smtp+tls://, consolemail://, filemail:///path) into a mailer."""
    config = environ.Env.email_url_config(url)
    options = {
        "host": config.get("EMAIL_HOST"),
        "port": config.get("EMAIL_PORT"),
        "username": config.get("EMAIL_HOST_USER"),
        "password": config.get("EMAIL_HOST_PASSWORD"),
        "use_tls": config.get("EMAIL_USE_TLS"),
        "use_ssl": config.get("EMAIL_USE_SSL"),
        "file_path": config.get("EMAIL_FILE_PATH"),
    }
    backend = config["EMAIL_BACKEND"]
    if url.startswith("filemail://"):
        # filemail:///var/mail/itam is an absolute path (django-environ drops the leading slash).
        options["file_path"] = url.removeprefix("filemail://").split("?")[0]
    if not backend.endswith("smtp.EmailBackend"):
        options = (
            {"file_path": options["file_path"]}
            if backend.endswith("filebased.EmailBackend")
            else {}
        )
    return {
        "BACKEND": backend,
        "OPTIONS": {k: v for k, v in options.items() if v not in (None, "")},
    }


MAILERS = {
    "default": _mailer_from_url(
        env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="itam@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# History: reasons are free text, as long as the person needs.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "itam.api.Pagination",
    "PAGE_SIZE": ITAM_PAGE_SIZE,
    # drf-spectacular's, plus the error answers every endpoint shares (itam/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "itam.api_schema.ItamAutoSchema",
    "EXCEPTION_HANDLER": "itam.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ITAM API",
    "DESCRIPTION": "IT asset lifecycle: register, deploy, check in, maintain, retire, dispose.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online validator badge: the docs page makes no request outside this site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {"AssetStatusEnum": "assets.choices.AssetStatus"},
}

# Celery: a broker when REDIS_URL is set; otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# One beat entry per daily reminder job (itam/reminders.py), all at ITAM_REMINDER_TIME.
CELERY_BEAT_SCHEDULE = reminder_schedule(ITAM_REMINDER_TIME)

# Security headers; the production ones are on whenever DEBUG is off.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
