"""Production mode: DEBUG off by default, settings from the environment, `check --deploy` clean with the environment
docs/deploy.md documents, gunicorn serving with the security headers and hashed static files, private files under
var/, the Danish 500 page without internals, and no-store on everything a signed-in user sees (issue 11)."""
import http.client
import json
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path

from rammeaftale.accounts.models import Role
from rammeaftale.config.urls import urlpatterns as project_urlpatterns
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
HOST = "rammeaftale.example.dk"


def _clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment without the project's variables (CI sets some) and the browser tests' switch for
    Django's async-safety check (which `check --deploy` rightly reports), plus `extra`."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("RAMMEAFTALE_") and key not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return {**env, **extra}


def _rammeaftale(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rammeaftale", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT, check=False)


def _settings_in(env: dict[str, str], *names: str) -> dict:
    """The named settings as a fresh process with `env` sees them."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {list(names)!r}}}, default=str))"
    )
    env = {**env, "DJANGO_SETTINGS_MODULE": "rammeaftale.config.settings"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
                         check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def documented_environment(tmp_path: Path) -> dict[str, str]:
    """The environment file docs/deploy.md gives the operator (the block after its «miljøfil» marker), with its
    /etc and /var/lib paths moved under tmp_path, and the secret key and CPR key files made as the doc says."""
    text = DEPLOY_DOC.read_text()
    marker = text.index("<!-- miljøfil -->")
    block = re.search(r"```[a-z]*\n(.*?)```", text[marker:], re.DOTALL).group(1)
    etc, var = tmp_path / "etc" / "rammeaftale", tmp_path / "var" / "lib" / "rammeaftale"
    env = {}
    for line in block.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value.replace("/etc/rammeaftale", str(etc)).replace("/var/lib/rammeaftale", str(var))
    etc.mkdir(parents=True, mode=0o750)
    Path(env["RAMMEAFTALE_SECRET_KEY_FILE"]).write_text(secrets.token_urlsafe(50) + "\n")
    from cryptography.fernet import Fernet
    Path(env["RAMMEAFTALE_CPR_KEY_FILE"]).write_bytes(Fernet.generate_key())
    return env


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict[str, str]:
    """The documented production environment with its static files collected (once for the module: the
    compression takes a while)."""
    env = _clean_env(**documented_environment(tmp_path_factory.mktemp("production")))
    run = _rammeaftale("collectstatic", "--noinput", "--verbosity", "0", env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    return env


# --- DEBUG and settings from the environment ------------------------------------------------------------------

def test_debug_is_off_unless_the_developer_asks_for_it(tmp_path):
    env = _clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path))
    assert _settings_in(env, "DEBUG")["DEBUG"] is False
    assert _settings_in({**env, "RAMMEAFTALE_DEBUG": "1"}, "DEBUG")["DEBUG"] is True


def test_https_sessions_and_hosts_come_from_the_environment(tmp_path):
    demo = _settings_in(_clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path)), "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                        "SECURE_HSTS_SECONDS", "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
                        "ALLOWED_HOSTS", "SECURE_PROXY_SSL_HEADER")
    assert demo == {"SECURE_SSL_REDIRECT": False, "SESSION_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 0,
                    "SESSION_COOKIE_AGE": 8 * 3600, "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
                    "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "[::1]"], "SECURE_PROXY_SSL_HEADER": None}
    env = _clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path), RAMMEAFTALE_HTTPS="1", RAMMEAFTALE_BEHIND_PROXY="1",
                     RAMMEAFTALE_ALLOWED_HOSTS=f"{HOST}, intern.example.dk", RAMMEAFTALE_SESSION_HOURS="2",
                     RAMMEAFTALE_CSRF_TRUSTED_ORIGINS=f"https://{HOST}", RAMMEAFTALE_HSTS_PRELOAD="0")
    production = _settings_in(env, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                              "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
                              "SECURE_PROXY_SSL_HEADER", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
                              "SESSION_COOKIE_AGE")
    assert production == {
        "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ALLOWED_HOSTS": [HOST, "intern.example.dk"], "CSRF_TRUSTED_ORIGINS": [f"https://{HOST}"],
        "SESSION_COOKIE_AGE": 7200,
    }


def test_a_malformed_setting_stops_the_start_with_a_danish_message(tmp_path):
    run = _rammeaftale("check", env=_clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path), RAMMEAFTALE_HTTPS="ja tak"))
    assert run.returncode != 0
    assert "RAMMEAFTALE_HTTPS skal være 1 eller 0, ikke «ja tak»" in run.stderr
    run = _rammeaftale("check", env=_clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path),
                                               RAMMEAFTALE_SECRET_KEY_FILE=str(tmp_path / "findes-ikke")))
    assert run.returncode != 0 and "RAMMEAFTALE_SECRET_KEY_FILE" in run.stderr and "kan ikke læses" in run.stderr


# --- check --deploy and serving -----------------------------------------------------------------------------------

def test_the_deploy_check_reports_nothing_with_the_documented_environment(production):
    run = _rammeaftale("check", "--deploy", "--fail-level", "WARNING", env=production)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues (0 silenced)." in run.stdout


def test_passwords_are_hashed_with_djangos_pbkdf2_where_deployed(production):
    """The suite hashes with MD5 for speed (tests/conftest.py); the deployment keeps Django's default."""
    hashers = _settings_in(production, "PASSWORD_HASHERS")["PASSWORD_HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert not any("MD5" in hasher for hasher in hashers)


def test_the_deploy_check_names_what_the_demo_setup_lacks(tmp_path):
    run = _rammeaftale("check", "--deploy", "--fail-level", "WARNING",
                       env=_clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path)))
    assert run.returncode != 0
    for check in ("rammeaftale.W001", "rammeaftale.W002", "rammeaftale.W003", "security.W004", "security.W008",
                  "security.W012", "security.W016"):
        assert check in run.stderr, check
    assert "RAMMEAFTALE_CPR_KEY_FILE" in run.stderr and "RAMMEAFTALE_SECRET_KEY_FILE" in run.stderr


def test_serve_refuses_to_start_until_the_deploy_check_is_clean(tmp_path):
    run = _rammeaftale("serve", "--bind", "127.0.0.1:1", env=_clean_env(RAMMEAFTALE_VAR_DIR=str(tmp_path)))
    assert run.returncode == 2
    assert "Serveren starter ikke" in run.stderr and "rammeaftale.W001" in run.stderr
    assert "gunicorn" not in run.stdout.lower()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, url: str, headers: dict[str, str]) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", url, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_gunicorn_serves_the_pages_with_security_headers_and_hashed_compressed_static_files(production, tmp_path):
    port = _free_port()
    env = {**production, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}"}
    server = subprocess.Popen([sys.executable, "-m", "rammeaftale", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", "1"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.5)
        proxied = {"Host": HOST, "X-Forwarded-Proto": "https"}

        # Plain HTTP through the proxy is sent to HTTPS.
        response, _ = _get(port, "/login/", {"Host": HOST})
        assert response.status == 301 and response.headers["Location"] == f"https://{HOST}/login/"

        response, body = _get(port, "/login/", proxied)
        page = body.decode()
        assert response.status == 200 and "Log ind" in page
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert "; secure" in headers["Set-Cookie"].lower()

        # The stylesheet by its hashed name, compressed, cacheable for ever; nothing else of var/ is reachable.
        stylesheet = re.search(r'href="(/static/web/site\.[0-9a-f]{12}\.css)"', page).group(1)
        response, body = _get(port, stylesheet, {**proxied, "Accept-Encoding": "br"})
        assert response.status == 200 and response.headers["Content-Encoding"] == "br" and body
        assert "immutable" in response.headers["Cache-Control"]
        response, _ = _get(port, "/static/../secret_key", proxied)
        assert response.status == 404
    finally:
        server.terminate()
        server.wait(timeout=30)
    var = Path(production["RAMMEAFTALE_VAR_DIR"])
    _assert_private(var)
    assert (var / "static" / "staticfiles.json").exists()


# --- files under var/ ---------------------------------------------------------------------------------------------

def _assert_private(top: Path) -> None:
    for entry in [top, *top.rglob("*")]:
        mode = stat.S_IMODE(entry.stat().st_mode)
        expected = 0o700 if entry.is_dir() else 0o600
        assert mode & 0o077 == 0 and mode & 0o700 == expected, f"{entry}: {oct(mode)}"


def test_the_database_keys_and_their_folders_are_private_whatever_the_umask(tmp_path):
    """The probe found the SQLite file world-readable and the CPR key's folder open: now 0600 files and 0700
    folders, also for what an earlier version left readable."""
    var = tmp_path / "var"
    (var / "secrets").mkdir(parents=True, mode=0o755)
    (var / "secrets").chmod(0o755)
    old_database = var / "rammeaftale.sqlite3"
    old_database.touch()
    old_database.chmod(0o644)
    # A write through Django's connection (the database, its WAL and shared-memory files) and a CPR number
    # encrypted (the key made on first use); the modes are read while the connection is still open.
    code = (
        "import json, pathlib, django; django.setup(); from django.conf import settings; "
        "from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('CREATE TABLE t (x integer)'); "
        "cursor.execute('INSERT INTO t VALUES (1)'); "
        "from rammeaftale.placements.cpr import cpr_encrypt; cpr_encrypt('0101901234'); "
        "print(json.dumps({p.relative_to(settings.VAR_DIR).as_posix(): p.stat().st_mode & 0o777 "
        "for p in [settings.VAR_DIR, *settings.VAR_DIR.rglob('*')]}))"
    )
    env = _clean_env(RAMMEAFTALE_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="rammeaftale.config.settings")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         cwd=ROOT, preexec_fn=lambda: os.umask(0o022), check=False)
    assert run.returncode == 0, run.stderr
    modes = json.loads(run.stdout.strip().splitlines()[-1])
    assert {name: oct(mode) for name, mode in modes.items()} == {
        ".": "0o700", "static": "0o700", "secrets": "0o700", "secret_key": "0o600", "secrets/cpr.key": "0o600",
        "rammeaftale.sqlite3": "0o600", "rammeaftale.sqlite3-wal": "0o600", "rammeaftale.sqlite3-shm": "0o600",
    }
    _assert_private(var)


# --- error pages and caching, in the test client (DEBUG is off here as in production) ----------------------------

CPR_IN_LOCALS = "0101901234"


def _failing_view(request):
    citizen_cpr = CPR_IN_LOCALS  # noqa: F841  (a local the debug page would show)
    raise RuntimeError(f"kunne ikke læse {settings.VAR_DIR}/secrets/cpr.key")


urlpatterns = [path("fejl/", _failing_view), *project_urlpatterns]


@pytest.mark.urls(__name__)
def test_an_unexpected_error_shows_the_danish_500_page_without_internals(client, esbjerg, make_user):
    assert settings.DEBUG is False
    client = Client(raise_request_exception=False)
    assert client.login(username=make_user(esbjerg, Role.CASEWORKER).username, password=PASSWORD)
    response = client.get("/fejl/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Der opstod en fejl" in page and '<html lang="da">' in page
    for internal in ("Traceback", "RuntimeError", "cpr.key", str(settings.VAR_DIR), str(ROOT), CPR_IN_LOCALS,
                     settings.SECRET_KEY, "SECRET_KEY", "DATABASES", "citizen_cpr", "sagsbehandler"):
        assert internal not in page, internal
    assert "no-store" in response["Cache-Control"]


def test_pages_of_a_signed_in_user_and_api_answers_are_never_stored(client, esbjerg, make_user):
    csp = client.get("/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    user = make_user(esbjerg, Role.CASEWORKER)
    assert client.login(username=user.username, password=PASSWORD)
    for url in ("/tilbud/", "/placeringer/", "/api/placements"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    basic = Client().get("/api/placements", HTTP_AUTHORIZATION="Basic " + _basic(user.username, PASSWORD))
    assert basic.status_code == 200 and "no-store" in basic["Cache-Control"]


def _basic(username: str, password: str) -> str:
    import base64
    return base64.b64encode(f"{username}:{password}".encode()).decode()
