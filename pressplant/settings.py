"""Django settings, from environment variables only.

Embedded default (nothing set): SQLite and media under PRESSPLANT_HOME, background work in process.
Scale-out: DATABASE_URL (PostgreSQL), REDIS_URL (Celery broker and result store), PRESSPLANT_STORAGE=s3
with the AWS_* variables (S3-compatible media).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from pressplant.home import pressplant_home

HOME = pressplant_home()
MEDIA_ROOT = HOME / "media"

DEBUG = os.environ.get("PRESSPLANT_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("PRESSPLANT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

if os.environ.get("PRESSPLANT_TRUST_X_FORWARDED_PROTO", "") == "1":
    # Behind a proxy that ends TLS and overwrites X-Forwarded-Proto (docs/deploy.md): links are https://,
    # CSRF accepts the https:// Origin of forms, and cookies are sent over TLS only.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True


def _secret_key() -> str:
    """PRESSPLANT_SECRET_KEY, else a key made once and kept in PRESSPLANT_HOME (never in the repository)."""
    if key := os.environ.get("PRESSPLANT_SECRET_KEY"):
        return key
    path = HOME / "secret_key"
    if not path.exists():
        HOME.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        part.write_text(secrets.token_urlsafe(50))
        part.chmod(0o600)
        part.replace(path)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pressplant.accounts",
    "pressplant.catalogue",
    "pressplant.ledger",
    "pressplant.payments",
    "pressplant.pricing",
    "pressplant.delivery",
    "pressplant.rights",
    "pressplant.orders",
    "pressplant.royalties",
    "pressplant.storefront",
]

MIDDLEWARE = [
    "pressplant.operations.requests.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pressplant.urls"
WSGI_APPLICATION = "pressplant.wsgi.application"

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
            ],
        },
    },
]

_DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{HOME / 'pressplant.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        # SQLite's connections cost a file open and two PRAGMAs, ~4 ms of every download's answer, and
        # there is no server to run out of them: kept a minute by default. A PostgreSQL server's connections
        # are counted (max_connections): the operator chooses (docs/deploy.md).
        conn_max_age=int(os.environ.get("PRESSPLANT_DB_CONN_MAX_AGE",
                                        "60" if _DATABASE_URL.startswith("sqlite:") else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a transaction
    # starts, so two writers queue instead of failing halfway with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file, as production has: an in-memory shared-cache database fails concurrent writers at
    # once ("table is locked") instead of queueing them as WAL with a busy timeout does.
    DATABASES["default"]["TEST"] = {"NAME": str(HOME / "test-pressplant.sqlite3")}


def _prepare_threshold() -> int | None:
    """PRESSPLANT_DB_PREPARE: after how many runs on one connection PostgreSQL keeps a statement parsed and
    planned (a prepared statement), or "off"."""
    value = (os.environ.get("PRESSPLANT_DB_PREPARE") or "5").strip().lower()
    if value == "off":
        return None
    if not value.isdigit() or int(value) < 1:
        raise ImproperlyConfigured(f"PRESSPLANT_DB_PREPARE={value!r}: give a number of runs (1 or more) or off")
    return int(value)


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The server binds the parameters, and a statement that a connection runs again is parsed and planned
    # once: 1.6 times the purchases per second (docs/performance.md). "off" behind a PgBouncer in
    # transaction mode older than 1.21 or without max_prepared_statements (docs/deploy.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True,
                                                          prepare_threshold=_prepare_threshold())

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
MEDIA_URL = "media/"

if os.environ.get("PRESSPLANT_STORAGE", "local") == "s3":
    _media_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL"),
            "region_name": os.environ.get("AWS_S3_REGION_NAME"),
            "file_overwrite": False,
            "default_acl": None,
        },
    }
else:
    _media_backend = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _media_backend,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or os.environ.get("CELERY_BROKER_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Redis has no acknowledgements of its own: a task a worker took stays in an "unacked" set until the worker
# acks it (after the task, acks_late). If the whole worker dies (SIGKILL, OOM, a lost machine), the task goes
# back on the queue once it has been out for the visibility timeout; every live worker looks every 10 s. It
# must be longer than the longest task (an encode a buyer waits for is bounded by 15 minutes, a large ingest
# takes longer), else a task still running is handed to a second worker too: harmless, as tasks are
# idempotent and an encode's lease makes the copy wait, but it holds a worker. A buyer waiting for a
# download does not wait this long: obtain_rendition sends the encode again once the dead builder's lease
# expires (PRESSPLANT_RENDITION_LEASE_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("PRESSPLANT_CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE = {
    # Nightly, when few buy: encode ahead the renditions that sold most lately (`pressplant prewarm`).
    "prewarm-best-sellers": {"task": "pressplant.orders.tasks.prewarm_best_sellers",
                             "schedule": crontab(hour=3, minute=30)},
    # Daily: sign-in records (with IP addresses) older than PRESSPLANT_LOGIN_RECORD_DAYS go
    # (`pressplant accounts forget-logins`).
    "forget-old-sign-ins": {"task": "pressplant.accounts.tasks.forget_old_sign_ins",
                            "schedule": crontab(hour=4, minute=15)},
}
PRESSPLANT_LOGIN_RECORD_DAYS = int(os.environ.get("PRESSPLANT_LOGIN_RECORD_DAYS", "30"))
"""How many days each sign-in attempt (email, IP address, outcome) is kept: for the rate limit (15 minutes)
and for looking into an attack on an account afterwards. Older ones are deleted every day by the workers'
beat, or by `pressplant accounts forget-logins`; IP addresses are personal data."""

RENDITION_CACHE_MAX_BYTES = int(os.environ.get("PRESSPLANT_RENDITION_CACHE_MAX_BYTES", str(20 * 1024**3)))
"""Size cap of the encoded-rendition cache; least recently used renditions are evicted past it."""
RENDITION_WORK_DIR = Path(os.environ.get("PRESSPLANT_WORK_DIR", str(HOME / "work")))
"""Local scratch space where renditions are encoded before they go to storage."""
PRESSPLANT_RENDITION_LEASE_SECONDS = float(os.environ.get("PRESSPLANT_RENDITION_LEASE_SECONDS", "60"))
"""How long an encode's claim on a rendition lasts unless renewed (its builder renews it every third of
this): a builder that died is taken over by the next caller once it lapses."""
PRESSPLANT_ENCODE_ON_WORKERS = os.environ.get(
    "PRESSPLANT_ENCODE_ON_WORKERS", "0" if CELERY_TASK_ALWAYS_EAGER else "1") == "1"
"""Downloads and previews missing from the cache are encoded by a Celery worker (the web process waits for
it), not in the web process. On by default when a broker is configured."""

PRESSPLANT_X_ACCEL_REDIRECT_PREFIX = os.environ.get("PRESSPLANT_X_ACCEL_REDIRECT_PREFIX", "")
"""Behind nginx: the internal location that serves media (e.g. /protected-media/); files then go out by
X-Accel-Redirect and nginx handles Range. Empty: the app streams files itself."""

PRESSPLANT_S3_DOWNLOADS = os.environ.get("PRESSPLANT_S3_DOWNLOADS", "presigned")
"""With media in a bucket: "presigned" redirects each download to a short-lived presigned URL (the bucket
sends the bytes), "proxy" streams just the asked-for bytes from the bucket through the app."""
if PRESSPLANT_S3_DOWNLOADS not in ("presigned", "proxy"):
    raise ValueError(f"PRESSPLANT_S3_DOWNLOADS must be presigned or proxy, not {PRESSPLANT_S3_DOWNLOADS!r}")
PRESSPLANT_S3_URL_SECONDS = int(os.environ.get("PRESSPLANT_S3_URL_SECONDS", "300"))
"""How long a presigned download URL works; every download request makes a fresh one."""
PRESSPLANT_S3_PUBLIC_ENDPOINT_URL = os.environ.get("PRESSPLANT_S3_PUBLIC_ENDPOINT_URL", "")
"""The bucket's endpoint as buyers reach it, when it differs from AWS_S3_ENDPOINT_URL (the app's way in):
presigned URLs are signed for this host. Empty: the same endpoint."""

# The trusted proxy header carrying the buyer's IP country (e.g. CF-IPCountry behind Cloudflare): the second
# piece of territory and VAT evidence. Empty: only the country the buyer declared is used.
PRESSPLANT_COUNTRY_HEADER = os.environ.get("PRESSPLANT_COUNTRY_HEADER", "")

PRESSPLANT_PAGE_CACHE_SECONDS = int(os.environ.get("PRESSPLANT_PAGE_CACHE_SECONDS", "60"))
"""How long a release page made for visitors who are not signed in is kept and shown again (per language,
currency and country; in each process's memory). Its prices and availability may be this old: a buyer signs
in to buy and then always sees them as they are now. 0 makes every page afresh."""
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("PRESSPLANT_PAGE_CACHE_ENTRIES", "1000"))}},
}
"""`pages` keeps the visitors' release pages (40 KB for an album: 1,000 of them, 40 MB a process at most)."""

PRESSPLANT_STORE_NAME = os.environ.get("PRESSPLANT_STORE_NAME", "Pressplant")
"""The store's name on statements, DSR files and receipts."""
PRESSPLANT_DPID = os.environ.get("PRESSPLANT_DPID", "")
"""The store's DDEX Party ID (DPID): the sender of its DSR sales reports and the recipient labels address."""

STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
"""Stripe's API key: card top-ups through Stripe Checkout are offered only when it is set."""
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
"""The signing secret of the /payments/stripe/webhook endpoint; without it every webhook is refused."""

PRESSPLANT_METRICS_TOKEN = os.environ.get("PRESSPLANT_METRICS_TOKEN", "")
"""When set, /metrics answers only `Authorization: Bearer <this token>` (403 otherwise); see docs/operations.md."""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "pressplant.operations.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "pressplant.operations.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": os.environ.get("PRESSPLANT_LOG_FORMAT", "json")}},
    "root": {"handlers": ["console"], "level": os.environ.get("PRESSPLANT_LOG_LEVEL", "WARNING")},
    "loggers": {"pressplant.requests": {"level": os.environ.get("PRESSPLANT_ACCESS_LOG_LEVEL", "WARNING")}},
}
"""JSON lines on stderr (PRESSPLANT_LOG_FORMAT=text for people); PRESSPLANT_ACCESS_LOG_LEVEL=INFO adds one
access line per request (off by default: gunicorn or nginx usually keep the access log)."""
