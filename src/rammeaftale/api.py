"""The REST API (django-ninja): each app contributes a router; OpenAPI at /api/docs."""
import logging

from django.contrib.auth import authenticate
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBasicAuth, SessionAuth

from rammeaftale.accounts.api import router as accounts_router
from rammeaftale.accounts.login_throttle import login_failures_clear
from rammeaftale.accounts.middleware import PasswordChangeRequired
from rammeaftale.billing.api import router as billing_router
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.messages import message_da
from rammeaftale.economy.api import router as economy_router
from rammeaftale.exchange.api import router as exchange_router
from rammeaftale.occupancy.api import router as occupancy_router
from rammeaftale.placements.api import router as placements_router
from rammeaftale.registry.api import router as registry_router
from rammeaftale.tariffs.api import router as tariffs_router

logger = logging.getLogger(__name__)


class BrowserSession(SessionAuth):
    """The logged-in page's Django session, with CSRF on unsafe methods.

    CSRF is checked only once a session user is present, so an anonymous POST is answered 401 (log in), not a
    CSRF 403 that would hide the real problem.
    """

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class ScriptBasicAuth(HttpBasicAuth):
    """HTTP Basic over the same users and passwords, for scripts (curl -u, requests auth=).

    Needs no CSRF token: the credentials travel in every request's header. The API never answers with a
    `WWW-Authenticate: Basic` challenge, so browsers never show a login dialog and never cache these credentials
    (which they would then attach to cross-site requests).

    Throttled like the login form (accounts/login_throttle.py): `authenticate(request, ...)` passes through the
    lockout check and records each failure; a locked-out username answers 429 `login_locked_out` with
    Retry-After, and a success clears its failures.
    """

    def authenticate(self, request, username: str, password: str):
        user = authenticate(request, username=username, password=password)
        if user is None:
            return None
        login_failures_clear(request, username=username)
        if user.password_change_required:  # an administrator's password: chosen anew on the pages first
            raise PasswordChangeRequired()
        request.user = user  # routers that read request.user see the script's user as well
        return user


api = NinjaAPI(
    title="Rammeaftale API",
    version="1",
    description=(
        "Parter, rammeaftaler, regelbøger, tilbud og takster. Alle svar er afgrænset til den indloggede brugers "
        "organisation og roller.\n\n"
        "**Log ind** med sessionen fra siderne (skrivende kald kræver CSRF-token i headeren `X-CSRFToken`) eller "
        "med HTTP Basic (brugernavn og adgangskode) fra scripts.\n\n"
        "**Fejl** har formen `{\"code\", \"field\", \"message\", \"detail\"}`: `message` er dansk, `detail` engelsk "
        "eller valideringens detaljer (hver med sin danske `message`). 400 ugyldige data, 401 ikke logget ind, "
        "403 ingen adgang, 404 findes ikke, 422 forkert format, 429 `login_locked_out`: for mange forkerte "
        "adgangskoder for brugernavnet fra denne adresse (vent det antal sekunder, `Retry-After` siger), 500 intern "
        "fejl (uden detaljer). Hver operation erklærer de statuskoder, den kan svare med.\n\n"
        "**Beløb** står både som tekst i kroner med to decimaler (`…_kr`) og som heltal i øre (`…_ore`), aldrig "
        "som kommatal."
    ),
    auth=[ScriptBasicAuth(), BrowserSession()],
    urls_namespace="api",
)

api.add_router("", registry_router)
api.add_router("", accounts_router)
api.add_router("/tariffs", tariffs_router)
api.add_router("/placements", placements_router)
api.add_router("/billing", billing_router)
api.add_router("/occupancy", occupancy_router)
api.add_router("/exchange", exchange_router)
api.add_router("/economy", economy_router)


def _error(request, *, status: int, code: str, message: str, detail, field: str = ""):
    return api.create_response(
        request, {"code": code, "field": field, "message": message, "detail": detail}, status=status
    )


@api.exception_handler(NotAllowed)
def _not_allowed(request, exc: NotAllowed):
    return api.create_response(request, exc.as_dict(), status=403)


@api.exception_handler(NotFound)
def _not_found(request, exc: NotFound):
    return api.create_response(request, exc.as_dict(), status=404)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=400)


def _field_of(error: dict) -> str:
    """The field a validation error is about: the last name in its location (after body/query/file)."""
    names = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    return names[-1] if len(names) > 1 else ""


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    """422 with a Danish summary; each of pydantic's (English) errors gets its Danish `message` beside `msg`."""
    details = [dict(error, message=message_da(error)) for error in exc.errors]
    fields = list(dict.fromkeys(name for name in map(_field_of, details) if name))
    if fields:
        message = "Ugyldige eller manglende data i " + ", ".join(f"«{name}»" for name in fields) + "."
    else:
        message = "Forespørgslen har ugyldige data."
    return _error(request, status=422, code="invalid_request", field=fields[0] if fields else "",
                  message=message, detail=details)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc: AuthenticationError):
    return _error(
        request, status=401, code="not_authenticated",
        message="Du er ikke logget ind: brug sessionen fra siderne eller HTTP Basic med brugernavn og adgangskode.",
        detail="Authentication required: a session cookie, or HTTP Basic credentials.",
    )


_HTTP_MESSAGES_DA = {
    400: "Forespørgslens indhold kan ikke læses (ugyldig JSON eller formulardata).",
    403: "Forespørgslen blev afvist (ved sessionslogin: send CSRF-tokenet i headeren X-CSRFToken).",
    404: "Findes ikke.",
    405: "Metoden er ikke tilladt her.",
    429: "For mange forespørgsler; vent lidt og prøv igen.",
}


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(
        request, status=exc.status_code, code=f"http_{exc.status_code}",
        message=_HTTP_MESSAGES_DA.get(exc.status_code, "Forespørgslen kunne ikke behandles."), detail=str(exc),
    )


@api.exception_handler(Http404)
def _no_such_path(request, exc: Http404):
    return _error(request, status=404, code="not_found", message="Findes ikke.", detail=str(exc) or "Not found.")


@api.exception_handler(Exception)
def _internal_error(request, exc: Exception):
    """Anything unexpected: logged with its traceback on the server, answered as JSON without internals (also with
    DEBUG on, where ninja would otherwise send the traceback as text)."""
    logger.exception("API %s %s failed", request.method, request.path, exc_info=exc)
    return _error(
        request, status=500, code="internal_error",
        message="Der opstod en intern fejl. Fejlen er logget; prøv igen senere, eller kontakt support.",
        detail="Internal error",
    )
