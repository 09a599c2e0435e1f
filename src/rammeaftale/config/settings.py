"""Django settings, read from the environment so one build serves SQLite and PostgreSQL alike.

Production is the default: DEBUG only when RAMMEAFTALE_DEBUG=1 (`make dev`). Every variable is documented in
docs/deploy.md; `rammeaftale check --deploy` reports nothing with the environment shown there.
"""
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

# Everything this process writes is for its own user only: the SQLite database and its WAL, the secret key, the
# CPR key and its folder, collected static files, exports. Here because every entry point (the console command,
# the WSGI app under gunicorn, the tests) loads the settings before it writes anything.
os.umask(0o077)


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} skal være 1 eller 0, ikke «{value}».")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} skal være et helt tal, ikke «{value}».") from None


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _private_dir(path: Path) -> Path:
    """A folder only the service's user can enter (0700), also one an earlier version made readable to all."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def _private_file(path: Path) -> None:
    """An existing file made readable by its owner only (0600); new files are, by the umask above."""
    if path.exists() and path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = _private_dir(Path(os.environ.get("RAMMEAFTALE_VAR_DIR", Path.cwd() / "var")).resolve())


def _secret_key() -> tuple[str, bool]:
    """The key and whether it was generated here. Production is told: RAMMEAFTALE_SECRET_KEY, or the file
    RAMMEAFTALE_SECRET_KEY_FILE names. Otherwise (the demo, development) a key is generated once in var/ so
    sessions survive a restart; `check --deploy` and `rammeaftale serve` refuse that one."""
    if key := os.environ.get("RAMMEAFTALE_SECRET_KEY", "").strip():
        return key, False
    if name := os.environ.get("RAMMEAFTALE_SECRET_KEY_FILE", "").strip():
        try:
            key = Path(name).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"RAMMEAFTALE_SECRET_KEY_FILE: {name} kan ikke læses ({error.strerror})."
            ) from None
        if not key:
            raise ImproperlyConfigured(f"RAMMEAFTALE_SECRET_KEY_FILE: {name} er tom.")
        return key, False
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    _private_file(path)
    return path.read_text().strip(), True


SECRET_KEY, SECRET_KEY_GENERATED = _secret_key()
DEBUG = _env_flag("RAMMEAFTALE_DEBUG", False)
ALLOWED_HOSTS = _env_list("RAMMEAFTALE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("RAMMEAFTALE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_htmx",
    "ninja",  # /api/docs serves Swagger UI from the package's bundled static files, not a CDN
    "django_tasks",  # before the project's apps: exports/admin.py registers the queue's admin again, read-only
    "django_tasks_db",
    "rammeaftale.parties",
    "rammeaftale.accounts",
    "rammeaftale.registry",
    "rammeaftale.tariffs",
    "rammeaftale.placements",
    "rammeaftale.billing",
    "rammeaftale.occupancy",
    "rammeaftale.exchange",
    "rammeaftale.economy",
    "rammeaftale.deadlines",
    "rammeaftale.lifecycle",
    "rammeaftale.exports",
    "rammeaftale.demo",
    "rammeaftale.web",
]

# Background jobs (documents too large to make while the user waits): Django's tasks API (the django-tasks backport
# until Django 6) with the database as queue, on SQLite and PostgreSQL alike; `rammeaftale db_worker` runs them
# (docs/deploy.md). The tests run the worker in-process with `db_worker --batch`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rammeaftale.web.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rammeaftale.accounts.middleware.PasswordChangeRequiredMiddleware",  # an administrator's password is changed first
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
            # {% rule_source %} and {% law_source %} on every page without a {% load %}: the lead sentence of
            # nearly every page names its rule (docs/architecture.md, "Which rule, with a link").
            "builtins": ["rammeaftale.web.templatetags.rules"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rammeaftale.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection kept for the next request (per gunicorn thread) instead of a new one for each: opening one costs
    # PostgreSQL a process and the page several milliseconds. Checked before reuse, so a restarted database only
    # costs a reconnect. RAMMEAFTALE_DB_CONN_MAX_AGE=0 opens one per request again (docs/deploy.md).
    DATABASES["default"]["CONN_MAX_AGE"] = _env_int("RAMMEAFTALE_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the browser tests' live server read while the test thread writes.
    # IMMEDIATE: a transaction takes the write lock when it begins, so concurrent writers queue (busy timeout)
    # instead of failing half-way; the capacity check relies on it where PostgreSQL uses SELECT … FOR UPDATE.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;", "timeout": 20, "transaction_mode": "IMMEDIATE",
    }
    # A file, not shared memory, so that threads in the tests (live server, parallel bookings) queue on its lock.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    for suffix in ("", "-wal", "-shm"):
        _private_file(Path(DATABASES["default"]["NAME"] + suffix))

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
STATIC_ROOT = _private_dir(VAR_DIR / "static")  # WhiteNoise warns on every start when it is missing
# Production and `make run` serve collected files (`rammeaftale collectstatic`) with hashed, compressed names that
# browsers may cache for ever; the developer server (DEBUG) and the test run use the apps' folders as they are.
STATIC_COLLECTED = not DEBUG and "pytest" not in sys.modules
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_COLLECTED
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_KEEP_ONLY_HASHED_FILES = True  # half the files to compress; every page names the hashed ones
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]  # source maps: dev tools only
# Files Django's storages write (collected static files, uploads) are the service user's only, as the umask says.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# The key that encrypts CPR numbers at rest; kept outside the database and backed up apart from it. The default
# under var/ serves the demo; production names a file outside var/ (docs/deploy.md), which `check --deploy` asks.
CPR_KEY_FILE = Path(os.environ.get("RAMMEAFTALE_CPR_KEY_FILE", VAR_DIR / "secrets" / "cpr.key")).resolve()
if CPR_KEY_FILE.is_relative_to(VAR_DIR):
    if CPR_KEY_FILE.parent.exists():
        _private_dir(CPR_KEY_FILE.parent)
    _private_file(CPR_KEY_FILE)

# Production security, all from the environment (docs/deploy.md). RAMMEAFTALE_HTTPS=1 behind a TLS proxy: only
# HTTPS, cookies marked Secure, HSTS; RAMMEAFTALE_BEHIND_PROXY=1 trusts the proxy's X-Forwarded-Proto (the proxy
# must set it and drop the client's).
HTTPS = _env_flag("RAMMEAFTALE_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = _env_int("RAMMEAFTALE_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("RAMMEAFTALE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_flag("RAMMEAFTALE_HSTS_PRELOAD", True)
BEHIND_PROXY = _env_flag("RAMMEAFTALE_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A working day, and gone when the browser closes.
SESSION_COOKIE_AGE = _env_int("RAMMEAFTALE_SESSION_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = _env_flag("RAMMEAFTALE_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less header set in the layout
# Content Security Policy (django-csp): scripts, styles, fonts and images from this site only, no inline script or
# style (charts are inline SVG with presentation attributes; Swagger UI's CSS uses data: images), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    },
}

# The site's address as users reach it (behind the proxy), for absolute links in e-mails: the notifications of the
# vacancy exchange link to the page that awaits the user.
RAMMEAFTALE_BASE_URL = os.environ.get("RAMMEAFTALE_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")

# E-mail (notifications). With RAMMEAFTALE_EMAIL_HOST set, Django's SMTP backend sends through that server; without
# it (the demo, development) each e-mail is written as a file under var/mail/, so nothing leaves the machine and no
# command's output is mixed with mail. RAMMEAFTALE_EMAIL_BACKEND names another backend outright.
EMAIL_HOST = os.environ.get("RAMMEAFTALE_EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.environ.get("RAMMEAFTALE_EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_PORT = _env_int("RAMMEAFTALE_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("RAMMEAFTALE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RAMMEAFTALE_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = _env_flag("RAMMEAFTALE_EMAIL_SSL", False)  # TLS from the first byte (port 465)
EMAIL_USE_TLS = _env_flag("RAMMEAFTALE_EMAIL_STARTTLS", not EMAIL_USE_SSL)  # STARTTLS (port 587)
EMAIL_TIMEOUT = _env_int("RAMMEAFTALE_EMAIL_TIMEOUT_SECONDS", 10)  # a hanging server never holds a request long
DEFAULT_FROM_EMAIL = os.environ.get("RAMMEAFTALE_EMAIL_FROM", "Rammeaftale <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

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
AXES_FAILURE_LIMIT = _env_int("RAMMEAFTALE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("RAMMEAFTALE_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries during the lockout neither count nor prolong it
AXES_HANDLER = "rammeaftale.accounts.login_throttle.AuditedAxesHandler"
AXES_LOCKOUT_CALLABLE = "rammeaftale.accounts.login_throttle.lockout_response"
# Behind the proxy every request comes from the proxy's address: the client is the address the proxy appended.
AXES_CLIENT_IP_CALLABLE = "rammeaftale.accounts.login_throttle.client_ip" if BEHIND_PROXY else None
AXES_ENABLE_ADMIN = False  # a lockout is lifted by the audited unlock (Brugere, `rammeaftale users unlock`) only
