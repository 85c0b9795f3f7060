"""Settings shared by every environment; everything variable comes from the environment.

Embedded default (no variable set): SQLite file beside manage.py, Celery eager,
local-memory cache. Production mode: DATABASE_URL (PostgreSQL), CELERY_BROKER_URL
(Redis) and REDIS_URL (shared cache) — see README.
"""
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -----------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "csp",
]
LOCAL_APPS = [
    "tariff",
    "declarations",
    "exchange",
    "litigation",
    "config.apps.OfficeConfig",  # the project layer: commands spanning every app (demo office)
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # one language (LANGUAGES): always fr, Content-Language: fr
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RejectBadTextMiddleware",
    "config.middleware.PrivateCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "tariff.kit.context_processors.roles",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A connection dropped by the server (restart, idle timeout) is replaced before the request
# uses it, instead of costing one 500 per worker.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Embedded mode for a small office (several users at once, runserver threads):
    # - WAL: readers never wait for the writer, nor the writer for readers;
    # - IMMEDIATE: a transaction takes the write lock when it starts, so a second writer waits
    #   for it (busy timeout, 20 s) instead of failing with "database is locked" when a read
    #   transaction tries to become a write one (SQLite's deadlock rule, no busy wait there);
    # - synchronous=NORMAL is durable in WAL mode except for the last commits on a power cut.
    # tests/benchmarks/embedded_office.py measures it (README "Embedded mode").
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    })
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    # Server-side parameter binding lets psycopg prepare the statements a connection runs
    # again and again (after 5 runs): PostgreSQL then skips parsing and planning them, which
    # cost more than executing the bank API's statements (pg_stat_statements: 0.6 ms planning
    # for 0.06 ms running the token lookup). Not behind a transaction-mode pooler (PgBouncer):
    # set DATABASE_PREPARE_THRESHOLD= (empty) there. README "Bank API load".
    _prepare_threshold = env("DATABASE_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=bool(_prepare_threshold),
        prepare_threshold=int(_prepare_threshold) if _prepare_threshold else None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (reference-data index version lives here) ----------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses the login of a locked-out username+IP before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Login rate limiting (django-axes: /accounts/login/ and the admin login) ------------
# 5 failures for one username from one IP lock that pair for 15 minutes; a success resets the count.
# Token/session API calls do not go through authenticate() — DRF throttling covers them.
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind reverse proxies the connecting address is the proxy's: set DJANGO_TRUSTED_PROXY_COUNT to
# the number of proxies in front of the application (1 for one nginx), and the client is read from
# X-Forwarded-For that many entries from the right (config.middleware.client_ip). Left at 0 when
# the application is reached directly: a client could otherwise pick its own address.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_ip"
AXES_COOLOFF_MESSAGE = _(
    "Compte verrouillé : trop de tentatives de connexion échouées. Réessayez dans 15 minutes."
)

# --- I18N: French UI, Casablanca time --------------------------------------------------
# French whatever the browser sends: one language in LANGUAGES, so LocaleMiddleware's negotiation
# can only pick fr, whatever Accept-Language says (issue 21).
LANGUAGE_CODE = "fr"
# The brokerage office printed at the head of its documents (liquidation notes, transactions).
OFFICE_NAME = env("OFFICE_NAME", default="Cabinet de transit — démonstration")
LANGUAGES = [("fr", _("Français"))]
# Moroccan French formats (config/formats/fr): numbers 1 000 000,00, dates 01/12/2026.
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Casablanca"
# The shipped sample EUR rate (tariff/data/exchange_rates.csv, ``illustrative``) may value
# declarations in the embedded/demo mode, with a warning; production refuses it.
ALLOW_ILLUSTRATIVE_EXCHANGE_RATES = env.bool("ALLOW_ILLUSTRATIVE_EXCHANGE_RATES", default=True)
# Demo mode (issue 18): the login page lists the demo office's logins and ``load_demo_office``
# may run. On in the embedded default settings (local.py), off elsewhere unless asked for.
DEMO_MODE = env.bool("DJANGO_DEMO_MODE", default=False)
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "templates" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded documents (cases, declarations): PDF, JPEG or PNG up to this size (tariff.kit.uploads).
# Never served from MEDIA_URL: an authenticated view checks the reader's role first.
DOCUMENT_MAX_BYTES = env.int("DJANGO_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

# --- Django REST framework / OpenAPI -----------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON bodies only, parsed with depth/size/character limits (tariff.kit.api.parsers).
    "DEFAULT_PARSER_CLASSES": ("tariff.kit.api.parsers.JSONParser",),
    "DEFAULT_FILTER_BACKENDS": ("django_filters.rest_framework.DjangoFilterBackend",),
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tariff.kit.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Anonymous callers only reach the schema/docs; authenticated rates leave room for the bank
    # API's 200 req/s target (tests/benchmarks/bank_api_load.py) and stop runaway clients.
    "DEFAULT_THROTTLE_CLASSES": (
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("DJANGO_API_THROTTLE_ANON", default="30/minute"),
        "user": env("DJANGO_API_THROTTLE_USER", default="300/second"),
    },
}
API_MAX_BODY_BYTES = env.int("DJANGO_API_MAX_BODY_BYTES", default=1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "API transitaire en douane",
    "DESCRIPTION": "Tarif douanier, déclarations (DUM), engagements d'importation et contentieux.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI 3.1: a nullable reference is `oneOf: [{$ref}, {type: "null"}]` (3.0 cannot say it: its
    # `nullable` is ignored beside an `allOf`, so validators refused the null answers, issue 17).
    "OAS_VERSION": "3.1.0",
    # Swagger UI assets served from the sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # JSON request bodies only, like the parser (tariff.kit.api.parsers): a generated client sends JSON.
    "PARSER_WHITELIST": ["tariff.kit.api.parsers.JSONParser"],
    # One error shape for every 4xx, documented on every operation (issue 17).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "FinanceLawStatusEnum": "tariff.models.FinanceLaw.Status",
        "FinanceLawKindEnum": "tariff.models.FinanceLaw.Kind",
        "DeclarationStatusEnum": "declarations.models.Declaration.Status",
        "RecalculationRunStatusEnum": "declarations.models.RecalculationRun.Status",
        "PartyKindEnum": "declarations.models.Party.Kind",
        "AnnexedDocumentKindEnum": "declarations.models.AnnexedDocument.Kind",
        "CaseStatusEnum": "litigation.models.Case.Status",
        "CaseDocumentKindEnum": "litigation.models.CaseDocument.Kind",
        # Same field names ("kind", "status") in several models: name each choice set once.
        "FranchiseConditionKindEnum": "declarations.models.FranchiseCondition.Kind",
        "FranchiseConditionStatusEnum": "declarations.models.FranchiseCondition.Status",
        "VatGuaranteeKindEnum": "declarations.models.VatGuarantee.Kind",
        "WarehouseDisposalKindEnum": "declarations.models.WarehouseDisposal.Kind",
        "CommitmentStatusEnum": "exchange.models.Commitment.Status",
        "PaymentKindEnum": "exchange.models.Payment.Kind",
        "ImputationKindEnum": "exchange.models.Imputation.Kind",
        "GoodsCategoryEnum": "exchange.models.Commitment.GoodsCategory",
    },
}

# --- Celery (eager unless a broker is configured) ---------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_TIME_LIMIT = 6 * 60  # below the broker visibility timeout (7 min, below)
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
# Recalculation and what-if runs (declarations.tasks): batches of declarations, each a task.
RECALCULATION_BATCH_SIZE = env.int("RECALCULATION_BATCH_SIZE", default=200)
RECALCULATION_BATCH_SOFT_LIMIT = env.int("RECALCULATION_BATCH_SOFT_LIMIT", default=5 * 60)
# A run without progress for this long lost its worker: its remaining batches are sent again.
RECALCULATION_STALLED_SECONDS = env.int("RECALCULATION_STALLED_SECONDS", default=120)
# Redis gives an unacknowledged message (its worker died) back after this delay: just above a
# batch's hard time limit, so a batch still running is never given to a second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": RECALCULATION_BATCH_SOFT_LIMIT + 60 + 60}
CELERY_BEAT_SCHEDULE = {
    "resume-stalled-runs": {
        "task": "declarations.tasks.resume_stalled_runs",
        "schedule": env.float("RECALCULATION_SWEEP_SECONDS", default=60.0),
    },
    "notify-etpp-deadlines": {  # every morning: overdue ETPP requests, authorisations about to expire
        "task": "declarations.tasks.notify_etpp_deadlines",
        "schedule": crontab(hour=7, minute=30),
    },
}

# --- E-mail (the daily ETPP notice): the console unless a server is configured ---------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="transitaire@localhost")
CELERY_TASK_SERIALIZER = "json"

# --- django-import-export ----------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- Security defaults (hardened further in production.py) --------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Content-Security-Policy (django-csp): only this site's own scripts, styles and images;
# no inline script or style (the pages use classes and static files), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_briefly": {"()": "config.logging.NoTracebackForClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["client_errors_briefly"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
