"""Django settings for cvanalytics, read from the environment with django-environ.

Every value can be set in the process environment or in a `.env` file at the repository
root. The defaults give a single-machine install: SQLite in `var/` and a Celery broker
in a SQLite file, so no database or broker server is needed to start.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from apps.core.crypto import parse_keys

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing: set it in the environment or in .env "
        "(`./run setup` writes a random one)."
    )

# Fernet keys (urlsafe base64, 32 bytes) that encrypt CommServe passwords and tokens.
# The first key encrypts and every key listed can decrypt. So a new key goes first, and
# the old one stays at the end until the secrets are saved again.
# Each key is checked here, so a bad one stops startup instead of the first save.
ENCRYPTION_KEYS = parse_keys(env.str("CVANALYTICS_ENCRYPTION_KEYS", default=""))

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "apps.core.admin_config.CvAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "apps.core",
    "apps.commcell",
    "apps.retention",
    "apps.storage",
    "apps.pruning",
    "apps.logs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
]

ROOT_URLCONF = "cvanalytics.urls"
WSGI_APPLICATION = "cvanalytics.wsgi.application"

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
                "apps.core.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cvanalytics.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL lets the web process read while a collection writes. SQLite has one
    # writer at a time, and the SQL retention analysis of a large CommCell holds the
    # write lock for tens of seconds, so other writers wait up to 2 minutes.
    # IMMEDIATE transactions take the write lock at BEGIN: a transaction that read
    # first could not wait for it later, and failed at once with "database is
    # locked" while another process wrote.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 120,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "retention:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap and ECharts come from npm (`npm ci`); their dist folders are served as is.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/echarts", BASE_DIR / "node_modules/echarts/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Hide variables and POST fields marked sensitive on every error page, even with DEBUG.
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.core.crypto.SecretReporterFilter"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto, trust it so links and
# redirects use https. Leave it off when clients can reach the app directly.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.permissions.IsViewerReadOrAdmin"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "cvanalytics API",
    "DESCRIPTION": "Commvault retention, storage and pruning analytics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["apps.core.permissions.IsViewer"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CELERY_BROKER_URL = env.str(
    "CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=f"db+sqlite:///{VAR_DIR / 'celery-results.sqlite3'}",
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=4 * 3600)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# CommServe REST client: retries of a failed request (connection errors, timeouts,
# 5xx, 429) and the first backoff in seconds, doubled on each retry.
CVANALYTICS_CLIENT_MAX_RETRIES = env.int("CVANALYTICS_CLIENT_MAX_RETRIES", default=4)
CVANALYTICS_CLIENT_BACKOFF_SECONDS = env.float(
    "CVANALYTICS_CLIENT_BACKOFF_SECONDS", default=0.5
)

# MediaAgent and CommServe log ingestion. Uploads larger than the limit are rejected,
# so a reverse proxy in front should allow at least this request body. Archives are
# rejected past the decompressed size, ratio or member count. Log folders must sit
# under one of the roots when roots are set.
CVANALYTICS_LOG_UPLOAD_MAX_BYTES = env.int(
    "CVANALYTICS_LOG_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024
)
CVANALYTICS_LOG_STORAGE_DIR = env.str(
    "CVANALYTICS_LOG_STORAGE_DIR", default=str(BASE_DIR / "var" / "log-uploads")
)
CVANALYTICS_LOG_MAX_DECOMPRESSED_BYTES = env.int(
    "CVANALYTICS_LOG_MAX_DECOMPRESSED_BYTES", default=4 * 1024**3
)
CVANALYTICS_LOG_MAX_COMPRESSION_RATIO = env.int(
    "CVANALYTICS_LOG_MAX_COMPRESSION_RATIO", default=200
)
CVANALYTICS_LOG_MAX_ARCHIVE_MEMBERS = env.int(
    "CVANALYTICS_LOG_MAX_ARCHIVE_MEMBERS", default=1000
)
# Plain log files up to this size parse inside the upload request; larger files and
# every archive go to the Celery worker.
CVANALYTICS_LOG_INLINE_PARSE_BYTES = env.int(
    "CVANALYTICS_LOG_INLINE_PARSE_BYTES", default=2 * 1024 * 1024
)
CVANALYTICS_LOG_SOURCE_ROOTS = env.list(
    "CVANALYTICS_LOG_SOURCE_ROOTS", default=[str(BASE_DIR / "var")]
)

LOG_LEVEL = env.str("CVANALYTICS_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "apps": {"level": LOG_LEVEL},
        "commserve_sim": {"level": LOG_LEVEL},
        "celery": {"level": "INFO"},
    },
}
