"""Login throttling behind the reverse proxy (RAMMEAFTALE_BEHIND_PROXY=1): every request comes from the proxy's
address, so the client is the address the proxy appended to X-Forwarded-For — one client's wrong passwords lock
out that client only, and a client cannot pick another's address by sending the header itself."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from rammeaftale.accounts.models import Role
from tests.conftest import PASSWORD

PROXY = "127.0.0.1"
ATTACKER, COLLEAGUE = "203.0.113.5", "198.51.100.7"


@pytest.fixture(autouse=True)
def behind_proxy(settings):
    settings.AXES_CLIENT_IP_CALLABLE = "rammeaftale.accounts.login_throttle.client_ip"
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def login(forwarded_for: str, password: str) -> bool:
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    client.post(reverse("web:login"), {"username": "lise", "password": password})
    return "_auth_user_id" in client.session


def test_a_lockout_behind_the_proxy_holds_the_client_not_everyone_and_the_header_cannot_be_forged(odense, make_user):
    make_user(odense, Role.CASEWORKER, username="lise")
    for attempt in range(5):
        assert not login(ATTACKER, f"forkert-{attempt}")

    assert not login(ATTACKER, PASSWORD), "the locked-out client must not log in, even with the right password"
    # The client's own X-Forwarded-For entries come first; the proxy appends the address it saw last.
    assert not login(f"{COLLEAGUE}, {ATTACKER}", PASSWORD), "a forged first entry must not lift the lockout"
    assert login(COLLEAGUE, PASSWORD), "another client behind the same proxy is not locked out"
