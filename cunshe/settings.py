"""村社通 settings: one module, driven by the environment.

CUNSHE_ENV selects the profile:
  development (default)  DEBUG on, SQLite under var/, keys from var/keys.json
  demo                   like development, two-factor not enforced, used by `make demo`
  test                   chosen automatically under pytest; fixed throwaway keys, fast hasher
  production             DEBUG off; secret key, field keys, hosts and a PostgreSQL DATABASE_URL
                         must all be given, or start-up stops with a message naming what is missing
"""

from __future__ import annotations

import base64
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CUNSHE_VAR_DIR", BASE_DIR / "var"))

TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
ENV = os.environ.get("CUNSHE_ENV", "test" if TESTING else "development")
if ENV not in {"development", "demo", "test", "production"}:
    raise ImproperlyConfigured(
        f"CUNSHE_ENV={ENV!r} is not one of development, demo, test, production."
    )
PRODUCTION = ENV == "production"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} must be a boolean (1/0, true/false).")


DEBUG = _env_bool("CUNSHE_DEBUG", ENV in {"development", "demo"})
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("CUNSHE_DEBUG must be off in production.")

# --- keys -------------------------------------------------------------------------------------
# Test keys are public and only ever protect throwaway test databases.
_TEST_KEYS = {
    "secret_key": "test-only-secret-key-not-for-any-real-deployment-0123456789",
    "field_keys": {"t1": base64.b64encode(b"t" * 32).decode()},
    "active_field_key": "t1",
    "blind_index_key": base64.b64encode(b"b" * 32).decode(),
}


def _load_keys() -> dict:
    if ENV == "test":
        # Tests never touch a developer's real keys (or depend on their ids).
        return _TEST_KEYS
    if os.environ.get("CUNSHE_SECRET_KEY"):
        try:
            return {
                "secret_key": os.environ["CUNSHE_SECRET_KEY"],
                "field_keys": json.loads(os.environ["CUNSHE_FIELD_KEYS"]),
                "active_field_key": os.environ["CUNSHE_ACTIVE_FIELD_KEY"],
                "blind_index_key": os.environ["CUNSHE_BLIND_INDEX_KEY"],
            }
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"CUNSHE_SECRET_KEY is set but {exc.args[0]} is missing; give all four key "
                "variables or use a key file (CUNSHE_KEY_FILE)."
            ) from exc
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(
                'CUNSHE_FIELD_KEYS must be JSON like {"k1": "<base64 32 bytes>"}.'
            ) from exc
    key_file = Path(os.environ.get("CUNSHE_KEY_FILE", VAR_DIR / "keys.json"))
    if key_file.exists():
        try:
            return json.loads(key_file.read_text())
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"Key file {key_file} is not valid JSON.") from exc
    raise ImproperlyConfigured(
        f"No keys: set CUNSHE_SECRET_KEY and the field-key variables, or create {key_file} "
        "with `python -m cunshe.keys` (make demo does this once)."
    )


_KEYS = _load_keys()
SECRET_KEY = _KEYS["secret_key"]
FIELD_ENCRYPTION_KEYS: dict[str, bytes] = {}
for _kid, _b64 in _KEYS["field_keys"].items():
    _raw = base64.b64decode(_b64)
    if len(_raw) != 32 or ":" in _kid:
        raise ImproperlyConfigured(
            f"Field key {_kid!r} must be 32 bytes of base64, id without ':'."
        )
    FIELD_ENCRYPTION_KEYS[_kid] = _raw
FIELD_ENCRYPTION_ACTIVE_KEY = _KEYS["active_field_key"]
if FIELD_ENCRYPTION_ACTIVE_KEY not in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        f"Active field key {FIELD_ENCRYPTION_ACTIVE_KEY!r} is not among the field keys."
    )
BLIND_INDEX_KEY = base64.b64decode(_KEYS["blind_index_key"])
if len(BLIND_INDEX_KEY) < 32:
    raise ImproperlyConfigured("The blind-index key must be at least 32 bytes.")

# --- hosts ------------------------------------------------------------------------------------
ALLOWED_HOSTS = [h for h in os.environ.get("CUNSHE_ALLOWED_HOSTS", "").split(",") if h]
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured("CUNSHE_ALLOWED_HOSTS must list the host names in production.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CUNSHE_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

# --- apps -------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "cunshe.core",
    "cunshe.regions",
    "cunshe.accounts",
    "cunshe.web",
    "cunshe.api",
    "cunshe.residents",
    "cunshe.servicedesk",
    "cunshe.care",
    "cunshe.selfgov",
    "cunshe.volunteering",
    "cunshe.demo",
]
if ENV == "test":
    INSTALLED_APPS.append("cunshe.core.testing.sample")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cunshe.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cunshe.accounts.middleware.LanguageMiddleware",
    "cunshe.accounts.middleware.JurisdictionMiddleware",
    "cunshe.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cunshe.urls"
WSGI_APPLICATION = "cunshe.wsgi.application"
ASGI_APPLICATION = "cunshe.asgi.application"

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
                "cunshe.web.context_processors.shell",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
_db_url = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cunshe.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
except Exception as exc:  # dj_database_url raises several types for bad URLs
    raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
}:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")
if PRODUCTION and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://...")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker and the web server share the demo database.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENV == "test":
    # Tests create many users; argon2 at full cost would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
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
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 minutes without a request (DESIGN.md, Security).
SESSION_COOKIE_AGE = int(timedelta(minutes=30).total_seconds())
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("CUNSHE_HSTS_SECONDS", "31536000"))

# Lockout after repeated failures (django-axes).
AXES_FAILURE_LIMIT = int(os.environ.get("CUNSHE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Lock the account, not the address: a whole village office shares one IP behind its router,
# and locking by IP would shut every clerk out because of one typo-prone colleague.
AXES_LOCKOUT_PARAMETERS = ["username"]
# models.W040: the metrics' covering indexes (INCLUDE columns) are a PostgreSQL optimisation;
# on SQLite they are plain indexes, which is all the demo needs.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cunshe.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# Two-factor (TOTP) for staff roles; off only in the demo profile unless asked for.
REQUIRE_STAFF_2FA = _env_bool("CUNSHE_REQUIRE_2FA", ENV != "demo")
OTP_TOTP_ISSUER = "村社通"

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "cunshe" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_COOKIE_NAME = "cunshe_language"

# --- static -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Front-end packages from npm are copied here by `make assets` (scripts/build_assets.py).
VENDOR_STATIC_DIR = VAR_DIR / "vendor"
VENDOR_STATIC_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [VENDOR_STATIC_DIR]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production, serve straight from the app and vendor folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = ENV in {"test", "development"}
WHITENOISE_AUTOREFRESH = ENV == "development"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if ENV in {"test", "development"}
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads are never served from a public URL: views stream them after an access check.
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- content security policy (django-csp 4): no inline script, nothing external --------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Reverse proxies in front of the platform that append to X-Forwarded-For (0: none, the header
# is ignored; the provincial deployment sets 1). See core.audit.client_ip.
TRUSTED_PROXY_COUNT = int(os.environ.get("CUNSHE_TRUSTED_PROXIES", "0"))

# --- cache: rate limits (status lookup, Open311 posts) must be shared by all workers ----------
# A file cache under var/ is shared by the gunicorn workers of one machine with no extra
# service; tests use a per-process memory cache.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if ENV == "test"
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}

# --- background work --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if ENV == "test"
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default", "notifications", "imports"],
    }
}
SMS_BACKEND = os.environ.get("CUNSHE_SMS_BACKEND", "cunshe.core.sms.OutboxSmsBackend")

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CUNSHE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- platform ---------------------------------------------------------------------------------
# Care terminals: the MQTT broker the consumer subscribes to (e.g. mqtt://127.0.0.1:1883). Empty
# means no consumer: terminals then report over HTTP only (docs/terminals.md).
CARE_MQTT_URL = os.environ.get("CUNSHE_MQTT_URL", "")
CARE_MQTT_TOPIC_PREFIX = os.environ.get("CUNSHE_MQTT_TOPIC_PREFIX", "cunshe/v1")
CUNSHE_PROVINCE_CODE = os.environ.get("CUNSHE_PROVINCE_CODE", "22")
AUDIT_RETENTION = timedelta(days=int(os.environ.get("CUNSHE_AUDIT_RETENTION_DAYS", "190")))
if AUDIT_RETENTION < timedelta(days=183):
    raise ImproperlyConfigured("Audit logs must be kept at least 6 months (Cybersecurity Law).")
SITE_NAME = _("村社通")
