"""Settings, driven by the environment (cookiecutter-django style).

Development defaults need nothing but Python: SQLite file in the project and the
in-memory channel layer. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and
Redis. ``config.settings.production`` tightens everything and refuses a missing secret.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


DEBUG = env_bool("DEBUG", True)
# Development only; config.settings.production refuses to start without SECRET_KEY.
SECRET_KEY = env("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = [h.strip() for h in (env("ALLOWED_HOSTS") or "127.0.0.1,localhost,testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o.strip()]

INSTALLED_APPS = [
    "daphne",  # must precede staticfiles so runserver is the ASGI one
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from our own static files (works offline, under the CSP)
    "django_filters",
    # The kernel before simple_history: its management commands override simple-history's
    # history-deleting ones (clean_old_history …), which refuse to run on audited tables.
    "supervision",
    "simple_history",
]
# Workflow apps are discovered: every package under workflows/ with an apps.py is one, and
# registers itself in its AppConfig.ready(). Adding a workflow touches nothing else.
# ONLY_WORKFLOWS="notices,cases" limits discovery (development; empty string: none).
_only = env("ONLY_WORKFLOWS")
WORKFLOW_APPS = sorted(
    f"workflows.{p.name}" for p in (BASE_DIR / "workflows").iterdir()
    if (p / "apps.py").is_file() and (_only is None or p.name in _only.split(","))
)
INSTALLED_APPS += WORKFLOW_APPS

MIDDLEWARE = [
    "supervision.health.HealthCheckMiddleware",  # /healthz, /readyz: before host checks and TLS redirects
    "supervision.middleware.RequestContextMiddleware",  # client address, request id, channel on history rows
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "supervision.middleware.ChosenLanguageMiddleware",
    "supervision.middleware.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "supervision.idempotency.OnceMiddleware",  # a form's one-time token: a repeated submit gets the first result
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "supervision.middleware.ReadLogMiddleware",  # confidential reads: one INSERT per request
    "axes.middleware.AxesMiddleware",  # last: turns a sign-in lockout into a 429
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
                "supervision.context_processors.frame",
            ],
        },
    },
]

# Django's form renderer, remembering each widget's markup for a context of plain values
# (supervision.widgets.WidgetRenderer: the same markup, rendered once).
FORM_RENDERER = "supervision.widgets.WidgetRenderer"

DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent readers and one writer without "database is locked" in dev.
    # IMMEDIATE: concurrent writers wait (up to the timeout) instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
elif env_bool("DB_POOL", True):
    # PostgreSQL: one psycopg connection pool per worker process (DESIGN §6: CONN_MAX_AGE=0
    # without a pool opens a connection per request and per websocket database call). Django
    # returns a connection to the pool at the end of each request, and the websocket consumers'
    # NOTIFY_SOCKET_DB_THREADS threads return theirs when no socket call is waiting
    # (supervision.consumers.SocketDBThreads), so HTTP threads and websocket consumers share DB_POOL_MAX_SIZE
    # connections; a caller beyond that waits up to DB_POOL_TIMEOUT seconds. Each checkout is
    # checked (one round trip), so a restarted server costs no failed request. Size it:
    # workers × DB_POOL_MAX_SIZE + sweeps + admin sessions < max_connections (README).
    from psycopg_pool import ConnectionPool

    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required by Django with a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DB_POOL_MIN_SIZE", 1),
        "max_size": env_int("DB_POOL_MAX_SIZE", 8),
        "timeout": env_int("DB_POOL_TIMEOUT", 10),
        "max_idle": env_int("DB_POOL_MAX_IDLE", 300),
        "check": ConnectionPool.check_connection,
    }
else:
    # DB_POOL=0: an external pooler (PgBouncer, session mode) does the pooling. Under ASGI each
    # request runs in a thread of its own, so Django's persistent connections (CONN_MAX_AGE > 0)
    # would be per request thread and never reused (Django ticket #33497): 0 by default here.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if not DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Who is connected, in pg_stat_activity (e.g. DB_APPLICATION_NAME=weishan-web-8001).
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = env("DB_APPLICATION_NAME") or "weishan"
    # Parameters bound on the server, and a statement run DB_PREPARE_THRESHOLD times on a connection
    # is prepared there, so PostgreSQL stops planning it again (issue 11: planning the transition's
    # locked read cost more than running it). Behind a pooler in transaction mode, which cannot
    # keep prepared statements, set DB_PREPARE_THRESHOLD=0 (or DB_SERVER_SIDE_BINDING=0).
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env_int("DB_PREPARE_THRESHOLD", 5) or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "supervision.User"
AUTHENTICATION_BACKENDS = [
    "supervision.signin.SigninBackend",  # django-axes: refuses a locked account before its password is checked
    "supervision.access.ScopedRoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# One way to show dates on pages (2026-12-01) in both languages: config/formats/<lang>/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded attachments and generated files: never served as public media, only through the
# scoped views (supervision.storage.stored_file_response). Local disk (MEDIA_ROOT) by default;
# STORAGE_URL=s3://bucket[/prefix]?endpoint_url=...&region_name=... puts them in an
# S3-compatible object store (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "private_media")
STORAGE_URL = env("STORAGE_URL")


def storage_from_url(url: str | None) -> dict:
    """The ``STORAGES["default"]`` entry for ``STORAGE_URL`` (None or "" → local disk)."""
    from urllib.parse import parse_qsl, urlsplit

    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"STORAGE_URL must look like s3://bucket[/prefix]?endpoint_url=..., not {url!r}")
    query = dict(parse_qsl(parts.query))
    allowed = {"endpoint_url", "region_name", "addressing_style", "signature_version", "verify"}
    unknown = set(query) - allowed
    if unknown:
        raise ValueError(f"STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}")
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        "default_acl": None,         # private objects: the bucket policy decides, never public-read
        "querystring_auth": True,    # .url() is a signed URL, never a public one...
        "querystring_expire": 60,    # ...and a short-lived one (the views stream instead)
        "file_overwrite": False,     # a name collision gets a new name, never replaces a file
        "max_memory_size": 2 * 1024 * 1024,  # larger downloads spool to a temporary file
        "signature_version": query.get("signature_version", "s3v4"),
        "addressing_style": query.get("addressing_style", "path"),
    }
    if query.get("endpoint_url"):
        options["endpoint_url"] = query["endpoint_url"]
    if query.get("region_name"):
        options["region_name"] = query["region_name"]
    if "verify" in query:
        options["verify"] = query["verify"].lower() not in {"0", "false", "no", "off"}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": storage_from_url(STORAGE_URL),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL")
# Channel layer limits, set on purpose (DESIGN §6). channels-redis keeps one inbound list per
# worker process (all its sockets share it): the default capacity of 100 silently drops a burst
# to a few hundred sockets. Memberships expire after CHANNEL_GROUP_EXPIRY unless renewed; each
# open socket renews its own every NOTIFY_GROUP_RENEW_SECONDS (below), so a closed tab's stale
# membership ages out while an open one never does. A message unread after CHANNEL_EXPIRY is
# dropped (the browser's catch-up covers it).
CHANNEL_LAYER_LIMITS = {
    "capacity": env_int("CHANNEL_CAPACITY", 20000),
    "expiry": env_int("CHANNEL_EXPIRY", 60),
    "group_expiry": env_int("CHANNEL_GROUP_EXPIRY", 3600),
}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py caps its async pool; say the size explicitly (DESIGN §6).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000)}],
                       "prefix": env("CHANNEL_PREFIX") or "asgi", **CHANNEL_LAYER_LIMITS},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": env("CACHE_PREFIX") or "weishan"}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": CHANNEL_LAYER_LIMITS}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a missing or bad credential a 401 (not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A body is a JSON object or a form, with no NUL / lone surrogate in its text (supervision/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "supervision.api.parsers.ObjectJSONParser",
        "supervision.api.parsers.CheckedFormParser",
        "supervision.api.parsers.CheckedMultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "supervision.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "supervision.api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["supervision.api.pagination.BoundedFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Weishan supervision API",
    "DESCRIPTION": "巍山督责 — inspection notices, rectification, postings, cases.",
    "VERSION": "1.0.0",
    # Operations are grouped by resource (notices, cases, …) rather than under one "api" tag.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Schema warnings (e.g. two workflows' "state" enums) are documentation matters, checked by
    # the tests' schema generation; they do not belong in `check --deploy`.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "supervision.api.schema.add_error_responses",
        "supervision.api.schema.allow_blank_read_only_enums",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# A strict Content-Security-Policy on every response (Django's own middleware): scripts, styles,
# fonts and connections only from this site (websockets included), no inline script or style, no
# event-handler attributes, no plugins, no framing. Page behaviour lives in static files
# (supervision/static/supervision/frame.js, live.js); data: images are for Swagger UI's icons.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SIMPLE_HISTORY_REVERT_DISABLED = True
# Signed history checkpoints (README "History and audit"): the key only from the environment,
# never in the database; the sweep writes one a day into the directory when it is set.
HISTORY_CHECKPOINT_KEY = env("HISTORY_CHECKPOINT_KEY") or ""
HISTORY_CHECKPOINT_DIR = env("HISTORY_CHECKPOINT_DIR") or ""
# PostgreSQL roles (`manage.py db_roles`): `migrate` as the owner, serve as the application role.
DB_OWNER_ROLE = env("DB_OWNER_ROLE") or "weishan_owner"
DB_APP_ROLE = env("DB_APP_ROLE") or ""
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Domain limits (DESIGN §3.5, §4). Every one overridable from the environment. ---
SUPERVISION = {
    # Failed-login throttle (supervision/signin.py, django-axes): per account, and a much higher
    # limit per client address (one township's NAT must not lock out the county).
    "LOGIN_MAX_FAILURES": env_int("LOGIN_MAX_FAILURES", 5),
    "LOGIN_MAX_FAILURES_PER_ADDRESS": env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 100),
    "LOGIN_LOCKOUT_SECONDS": env_int("LOGIN_LOCKOUT_SECONDS", 900),
    # Longest free text accepted in a transition comment / reason.
    "MAX_COMMENT_LENGTH": env_int("MAX_COMMENT_LENGTH", 2000),
    # Attachments.
    "MAX_UPLOAD_BYTES": env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
    "ALLOWED_UPLOAD_EXTENSIONS": (
        env("ALLOWED_UPLOAD_EXTENSIONS") or "pdf,doc,docx,xls,xlsx,jpg,jpeg,png,txt,ofd,zip"
    ).split(","),
    # Name of the system actor used by commands and timers.
    "SYSTEM_USERNAME": env("SYSTEM_USERNAME") or "system",
    # An open notification socket re-joins its group this often (well inside CHANNEL_GROUP_EXPIRY).
    "NOTIFY_GROUP_RENEW_SECONDS": env_int("NOTIFY_GROUP_RENEW_SECONDS", 1200),
    # A page that heard nothing for this long fetches what it may have missed (a lost last push).
    "NOTIFY_QUIET_SECONDS": env_int("NOTIFY_QUIET_SECONDS", 300),
    # A push to channels-redis is sent by the committing thread: it waits at most this long for
    # the broker, and after a failure the process sends no push for NOTIFY_PUSH_BACKOFF seconds
    # (the browsers' catch-up by seq fetches what did not arrive).
    "NOTIFY_PUSH_TIMEOUT": env_float("NOTIFY_PUSH_TIMEOUT", 0.5),
    "NOTIFY_PUSH_BACKOFF": env_int("NOTIFY_PUSH_BACKOFF", 5),
    # Threads a worker's notification sockets read the database on (opening, catching up): that
    # many run in parallel, and sockets hold no more of the worker's DB_POOL_MAX_SIZE connections.
    "NOTIFY_SOCKET_DB_THREADS": env_int("NOTIFY_SOCKET_DB_THREADS", 4),
    # A sweep job with no successful run for this long is flagged in the admin (timer: 10 min).
    "SWEEP_OVERDUE_MINUTES": env_int("SWEEP_OVERDUE_MINUTES", 30),
}

# --- Sign-in throttling: django-axes with the kernel's atomic handler (supervision/signin.py). ---
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
# Empty: the client address is REMOTE_ADDR and any forwarded header is ignored.
TRUSTED_PROXIES = [p.strip() for p in (env("TRUSTED_PROXIES") or "").split(",") if p.strip()]
AXES_HANDLER = "supervision.signin.AtomicAxesHandler"
AXES_FAILURE_LIMIT = SUPERVISION["LOGIN_MAX_FAILURES"]
AXES_COOLOFF_TIME = timedelta(seconds=SUPERVISION["LOGIN_LOCKOUT_SECONDS"])
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each with its own limit, see signin.py
AXES_USERNAME_CALLABLE = "supervision.signin.username_callable"
AXES_CLIENT_IP_CALLABLE = "supervision.signin.client_address"
AXES_LOCKOUT_CALLABLE = "supervision.signin.lockout_response"
AXES_RESET_ON_SUCCESS = False  # the handler gives the account its reservations back itself
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not extend a lockout
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = []  # administrators need to see which account and address failed
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "supervision.audit.context.RequestIdLogFilter"}},
    "formatters": {"request": {"format": "%(levelname)s %(asctime)s %(name)s [%(request_id)s %(via)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request"], "formatter": "request"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL") or "INFO"},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
