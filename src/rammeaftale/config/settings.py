"""Django settings, read from the environment so one build serves SQLite and PostgreSQL alike."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RAMMEAFTALE_VAR_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    """From the environment, else a key kept in var/ so sessions survive a restart."""
    if key := os.environ.get("RAMMEAFTALE_SECRET_KEY"):
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("RAMMEAFTALE_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("RAMMEAFTALE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # /api/docs serves Swagger UI from the package's bundled static files, not a CDN
    "rammeaftale.parties",
    "rammeaftale.accounts",
    "rammeaftale.registry",
    "rammeaftale.tariffs",
    "rammeaftale.placements",
    "rammeaftale.billing",
    "rammeaftale.occupancy",
    "rammeaftale.demo",
    "rammeaftale.web",
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
]

ROOT_URLCONF = "rammeaftale.config.urls"
WSGI_APPLICATION = "rammeaftale.config.wsgi.application"

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
                "rammeaftale.web.context_processors.actor",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rammeaftale.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the browser tests' live server read while the test thread writes.
    # IMMEDIATE: a transaction takes the write lock when it begins, so concurrent writers queue (busy timeout)
    # instead of failing half-way; the capacity check relies on it where PostgreSQL uses SELECT … FOR UPDATE.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;", "timeout": 20, "transaction_mode": "IMMEDIATE",
    }
    # A file, not shared memory, so that threads in the tests (live server, parallel bookings) queue on its lock.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk")]  # the pages are Danish whatever the browser asks for; the API adds English detail
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False  # years must read 2026, not 2.026; money is formatted by core.money

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

# The key that encrypts CPR numbers at rest; kept outside the database (back it up separately).
CPR_KEY_FILE = Path(os.environ.get("RAMMEAFTALE_CPR_KEY_FILE", VAR_DIR / "secrets" / "cpr.key"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less header set in the layout
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RAMMEAFTALE_LOG_LEVEL", "WARNING")},
}

# Login throttling (django-axes), for the login form, Django admin and the API's HTTP Basic alike: after
# RAMMEAFTALE_LOGIN_FAILURE_LIMIT failed logins for one username from one address, that pair is locked out for
# RAMMEAFTALE_LOGIN_COOLOFF_MINUTES (even the right password is refused); a successful login clears its failures.
# Every failure and lockout is also an audit event (accounts/login_throttle.py); an administrator can unlock.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last: turns a lockout into the Danish page or the API's JSON
AUTHENTICATION_BACKENDS = [
    "rammeaftale.accounts.login_throttle.LoginThrottleBackend",  # first: a locked-out login is never checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("RAMMEAFTALE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("RAMMEAFTALE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries during the lockout neither count nor prolong it
AXES_HANDLER = "rammeaftale.accounts.login_throttle.AuditedAxesHandler"
AXES_LOCKOUT_CALLABLE = "rammeaftale.accounts.login_throttle.lockout_response"
AXES_ENABLE_ADMIN = False  # a lockout is lifted by the audited unlock (Brugere, `rammeaftale users unlock`) only
