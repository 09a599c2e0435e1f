"""Login throttling on django-axes: the backend that refuses a locked-out login, the handler that also writes each
failure and lockout to the audit trail, and the lockout answer (the Danish page, or the API's JSON error).

A username tried from one address is locked out after `AXES_FAILURE_LIMIT` failures for `AXES_COOLOFF_TIME`
(settings: RAMMEAFTALE_LOGIN_FAILURE_LIMIT, RAMMEAFTALE_LOGIN_COOLOFF_MINUTES); the login form, Django admin and
the API's HTTP Basic all pass through Django's `authenticate(request, ...)`, so all three are throttled alike.
"""
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import audit_record
from rammeaftale.accounts.models import User

LOCKED_OUT_CODE = "login_locked_out"


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check before any password is compared; first in AUTHENTICATION_BACKENDS.

    Every login that arrives over HTTP (the form, Django admin, HTTP Basic) calls `authenticate(request, ...)`.
    A call without a request comes from code in the same process (Django's test client `login()`); it has no
    client to throttle, so this backend lets the next one decide instead of raising as axes' own does.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address behind the reverse proxy (RAMMEAFTALE_BEHIND_PROXY=1, AXES_CLIENT_IP_CALLABLE).

    Every request then reaches the application from the proxy, so REMOTE_ADDR would lock one username out for every
    client at once (and let anyone lock out anyone). The proxy appends the address it saw to X-Forwarded-For
    (nginx: `$proxy_add_x_forwarded_for`, docs/deploy.md), so the last entry is the one a client cannot forge;
    anything before it is the client's own claim.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    return forwarded or request.META.get("REMOTE_ADDR")


def _attempt_actor(username: str) -> Actor:
    """Whoever tried: unknown, so only the name they typed (never a user's id or organisation)."""
    return Actor(user_id=None, username=username[:150], organisation_id=None, organisation_kind=None,
                 region_id=None, roles=frozenset())


def _namespaces(request: HttpRequest) -> list[str]:
    match = getattr(request, "resolver_match", None)
    return match.namespaces if match is not None else []


def _channel(request: HttpRequest) -> str:
    """Where the password was typed: the API takes passwords only as HTTP Basic."""
    namespaces = _namespaces(request)
    return "http_basic" if "api" in namespaces else "admin" if "admin" in namespaces else "form"


def _audit_attempt(request: HttpRequest, *, event_type: str, username: str, details: dict) -> None:
    """One event; the user's organisation (when the name exists) sees it in its audit trail."""
    user = User.objects.filter(username=username).only("pk", "username", "organisation_id").first()
    with transaction.atomic():
        audit_record(
            actor=_attempt_actor(username), event_type=event_type,
            organisation_id=user.organisation_id if user else None, obj=user,
            after={"username": username, "ip_address": request.axes_ip_address, "channel": _channel(request),
                   **details},
        )


class AuditedAxesHandler(AxesDatabaseHandler):
    """Axes' database handler (its own tables stay the record it locks by), plus an audit event per attempt:

    - `login.failed`: a wrong username or password, counted towards the limit;
    - `login.locked_out`: the failure that reached the limit, so the lockout starts;
    - `login.refused`: a try while locked out, refused before the password was looked at.
    """

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        # The backend flags a locked-out request before Django sends the failure signal.
        refused = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials) or ""
        limit = settings.AXES_FAILURE_LIMIT
        if refused:
            _audit_attempt(request, event_type="login.refused", username=username,
                           details={"locked_until": _iso(lockout_until(request, username))})
            return
        failures = request.axes_failures_since_start or 0
        _audit_attempt(request, event_type="login.failed", username=username,
                       details={"failures": failures, "limit": limit})
        if request.axes_locked_out:
            _audit_attempt(request, event_type="login.locked_out", username=username,
                           details={"failures": failures, "limit": limit,
                                    "locked_until": _iso(lockout_until(request, username))})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def lockout_until(request: HttpRequest, username: str) -> datetime | None:
    """When the lockout of this username from this address ends: the last counted failure plus the cool-off."""
    AxesProxyHandler.update_request(request)
    last = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).aggregate(
        last=Max("attempt_time"))["last"]
    cool_off = get_cool_off(request)
    return last + cool_off if last and cool_off else None


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429 with Retry-After, the same for a name that
    exists and one that does not, so a lockout tells nothing about which usernames exist."""
    username = get_client_username(request, credentials) or ""
    until = lockout_until(request, username)
    wait = max(until - timezone.now(), timedelta(0)) if until else get_cool_off(request) or timedelta(0)
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    if "api" in _namespaces(request):
        response = JsonResponse({
            "code": LOCKED_OUT_CODE, "field": "",
            "message": f"For mange mislykkede login: brugernavnet er spærret fra denne adresse i {minutes} "
                       f"{'minut' if minutes == 1 else 'minutter'} mere. Kontakt din administrator, hvis det ikke "
                       "var dig.",
            "detail": f"Too many failed logins for this username from this address; locked for {minutes} more "
                      "minutes.",
        }, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {
            "minutes": minutes, "until": timezone.localtime(until) if until else None,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        }, status=429)
    response["Retry-After"] = str(int(wait.total_seconds()) or 1)
    return response


def login_failures_clear(request: HttpRequest, *, username: str) -> None:
    """A successful HTTP Basic login clears the failures of its username from its address, as a successful form
    login does (AXES_RESET_ON_SUCCESS; axes does it on Django's `user_logged_in`, which Basic never sends)."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.get_implementation().reset_user_attempts(request, {"username": username})


def login_lockouts(*, usernames: list[str]) -> dict[str, datetime]:
    """The usernames among these that are locked out now (from any address), with when the last lockout ends."""
    cool_off = get_cool_off()
    since = timezone.now() - cool_off if cool_off else None
    attempts = AccessAttempt.objects.filter(username__in=usernames,
                                            failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if since is not None:
        attempts = attempts.filter(attempt_time__gte=since)
    rows = attempts.values("username").annotate(last=Max("attempt_time")).values_list("username", "last")
    return {username: (last + cool_off if cool_off else last) for username, last in rows}


def login_lockouts_reset(*, username: str) -> int:
    """Clears every counted failure of the username (all addresses); returns how many records went."""
    return AxesProxyHandler.reset_attempts(username=username)
