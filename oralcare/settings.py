"""
Settings for OralCare, read from environment variables.

With no variables set, the project runs on the embedded default: SQLite in WAL mode, media in a private folder
under ``var/``, and Celery on kombu's filesystem transport, so no server needs to be installed. Production sets
``DJANGO_DEBUG=false``, ``DJANGO_SECRET_KEY``, ``DATABASE_URL`` and ``CELERY_BROKER_URL`` (see README.md).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.smart_cast = False

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Everything the embedded default writes at run time lives here: database, private media, broker folders.
VAR_DIR = Path(env.str("ORALCARE_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters when DJANGO_DEBUG is false; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "diagnosis",
    "ml",
]

MIDDLEWARE = [
    "oralcare.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oralcare.urls"

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

WSGI_APPLICATION = "oralcare.wsgi.application"

# Database: SQLite in WAL mode by default, so the web server and the worker can write at the same time.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'oralcare.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after a working day of inactivity, or when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling: after AXES_FAILURE_LIMIT failures for one user name from one address, that pair is locked out
# for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For (1 for the nginx of
# docker-compose.yml). The audit trail and login throttling both take the client's address from this.
ORALCARE_TRUSTED_PROXY_COUNT = env.int("ORALCARE_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "oralcare.middleware.client_ip"
# A locked-out sign-in gets a 429 in the API's error shape, with the wait in the message and Retry-After.
AXES_LOCKOUT_CALLABLE = "accounts.api.lockout.lockout_response"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The clinician interface, built by ``npm run build`` in frontend/ as a static export.
FRONTEND_BUILD_DIR = Path(env.str("FRONTEND_BUILD_DIR", default=str(BASE_DIR / "frontend" / "out")))

# Media are private. No URL pattern serves MEDIA_ROOT: photos reach users only through the API's file views,
# which check the clinic and write an audit event.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/private-media-is-not-served/"

# "filesystem" keeps media in MEDIA_ROOT; "s3" keeps it in a private bucket of an S3-compatible object store, which
# web servers and workers on several machines share.
STORAGE_BACKEND = env.str("ORALCARE_STORAGE", default="filesystem")
if STORAGE_BACKEND == "filesystem":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
elif STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("S3_BUCKET"),
            "endpoint_url": env.str("S3_ENDPOINT_URL", default=None),
            "region_name": env.str("S3_REGION", default=None),
            "access_key": env.str("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"ORALCARE_STORAGE must be 'filesystem' or 's3', not {STORAGE_BACKEND!r}.")

STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Upload limits. Each is stated in the error message a user gets when an upload hits it.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("ORALCARE_MAX_FILES_PER_UPLOAD", default=20)
ORALCARE_MAX_UPLOAD_BYTES = env.int("ORALCARE_MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
ORALCARE_MAX_IMAGE_PIXELS = env.int("ORALCARE_MAX_IMAGE_PIXELS", default=50_000_000)
ORALCARE_MIN_IMAGE_SIDE = env.int("ORALCARE_MIN_IMAGE_SIDE", default=64)
ORALCARE_MAX_ASPECT_RATIO = env.float("ORALCARE_MAX_ASPECT_RATIO", default=4.0)
# A request body larger than this is rejected from its Content-Length header before any of it is read.
ORALCARE_MAX_REQUEST_BYTES = env.int("ORALCARE_MAX_REQUEST_BYTES", default=100 * 1024 * 1024)
# UploadSizeLimitHandler comes first, so a file stops reaching the storing handlers once it exceeds the limit.
FILE_UPLOAD_HANDLERS = [
    "diagnosis.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# The classifier. Paths may be empty: the product then runs and reports that no model is active.
ORALCARE_MODEL_DIR = Path(env.str("ORALCARE_MODEL_DIR", default=str(VAR_DIR / "models"))).resolve()
ORALCARE_TRAINING_DATA_DIR = env.str("ORALCARE_TRAINING_DATA_DIR", default="")
# A local copy of mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5, for machines that cannot download it.
ORALCARE_IMAGENET_WEIGHTS = env.str("ORALCARE_IMAGENET_WEIGHTS", default="")
ORALCARE_TARGET_SENSITIVITY = env.float("ORALCARE_TARGET_SENSITIVITY", default=0.95)
# Threads each worker process gives the served runtime (LiteRT or ONNX Runtime).
ORALCARE_INFERENCE_THREADS = env.int("ORALCARE_INFERENCE_THREADS", default=2)

# Screening reliability: how often a prediction is tried, and when the watchdog takes a prediction as stuck.
ORALCARE_PREDICTION_MAX_ATTEMPTS = env.int("ORALCARE_PREDICTION_MAX_ATTEMPTS", default=3)
ORALCARE_WATCHDOG_QUEUED_SECONDS = env.int("ORALCARE_WATCHDOG_QUEUED_SECONDS", default=15 * 60)

# Celery. The embedded default uses kombu's filesystem transport, which needs no server; production uses Redis.
# The filesystem transport ignores the host name; giving one stops kombu warning that it fell back to localhost.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        # Broadcast messages (worker pings for the health check) go here instead of ./control.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
        # Seconds between looks at the queue folder. kombu's default of 1 s caps each worker process at about one
        # photo a second, since it takes one message per look.
        "polling_interval": 0.05,
    }
else:
    # Redis re-delivers an unacknowledged task after this many seconds. It must exceed the task's hard time limit,
    # or a slow task would be delivered to a second worker while the first still runs it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# A running prediction is stuck once it outlives the hard time limit by a minute.
ORALCARE_WATCHDOG_RUNNING_SECONDS = env.int("ORALCARE_WATCHDOG_RUNNING_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat runs the screening watchdog, which re-sends predictions that stayed queued or running too long and
# fails them after the last attempt (diagnosis/watchdog.py). Run one beat per installation.
CELERY_BEAT_SCHEDULE = {
    "screening-watchdog": {
        "task": "diagnosis.run_watchdog",
        "schedule": env.float("ORALCARE_WATCHDOG_INTERVAL_SECONDS", default=60.0),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: DRF takes the WWW-Authenticate header from the first class, so a request without
        # credentials gets a 401 (which the web interface handles by showing the sign-in page) instead of a 403.
        "rest_framework.authentication.TokenAuthentication",
        "accounts.api.authentication.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "oralcare.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "oralcare.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "600/minute"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "OralCare API",
    "DESCRIPTION": (
        "Clinical records, intra-oral photographs and model-based oral cancer risk estimates. The estimates support "
        "a clinician's decision and are not a diagnosis."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc are served from drf-spectacular-sidecar's static files, so /api/docs/ fetches nothing
    # from the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" field with different choices; each enum gets its own stable name.
    "ENUM_NAME_OVERRIDES": {
        "ExposureEnum": "diagnosis.models.Exposure",
        "CaseStatusEnum": "diagnosis.models.Case.Status",
        "PredictionStatusEnum": "diagnosis.models.Prediction.Status",
        "ModelVersionStatusEnum": "ml.models.ModelVersion.Status",
        "TrainingRunStatusEnum": "ml.models.TrainingRun.Status",
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "oralcare.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
