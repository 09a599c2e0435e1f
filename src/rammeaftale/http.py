"""What the page views share: reading GET parameters, pagination, domain errors as Danish 400, 403 and 404 pages, the
URL converters for ids and years, and the confirmation step of binding actions."""
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.urls import register_converter
from django.utils.cache import patch_vary_headers

from rammeaftale.core.errors import DomainError, NotAllowed, NotFound
from rammeaftale.core.limits import ID_MAX

PER_PAGE = 50


class IdConverter:
    """`<id:…>` in the pages' URLs: a key the database can hold. A larger number is no match, so the Danish 404,
    where Django's `<int:…>` would pass it on to overflow in the query (a server error)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= ID_MAX:
            raise ValueError(value)  # Django answers: no such page
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class YearConverter:
    """`<year:…>`: a year of four digits; the views check the range they accept."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


# Registered once, here: every urls.py imports its views, and every view module imports this one.
register_converter(IdConverter, "id")
register_converter(YearConverter, "year")


def page_view(view: Callable) -> Callable:
    """Login required; a NotAllowed from a selector or service becomes the Danish 403 page with its message, and
    any other DomainError a view did not answer itself (e.g. a day no agreement's rules govern) the Danish 400 page
    with its message: never a server error.

    The responses vary on HX-Request, so a browser never serves a cached partial as a whole page (or back).
    """

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except NotAllowed as error:
            raise PermissionDenied(error.message_da) from error
        except NotFound as error:
            raise Http404(error.message_da) from error
        except DomainError as error:
            response = render(request, "400.html", {"message": error.message_da}, status=400)
        patch_vary_headers(response, ["HX-Request"])
        return response

    return wrapped


@contextmanager
def missing_as_404():
    """For a detail page: a selector's NotFound becomes the Danish 404 page."""
    try:
        yield
    except NotFound as error:
        raise Http404(error.message_da) from error


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request for the results only; a history restore (back button) needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def int_param(request: HttpRequest, name: str) -> int | None:
    """A whole number, or None for anything else (an id longer than a bigint would fail in PostgreSQL)."""
    value = request.GET.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) <= 18 else None


def text_param(request: HttpRequest, name: str, *, max_length: int = 200) -> str:
    """Free text without NUL characters, which PostgreSQL refuses in a query."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]


def paginate(request: HttpRequest, items, *, per_page: int = PER_PAGE) -> Page:
    """The page named by ?page=, clamped to the pages there are."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def page_by_ids(queryset: QuerySet, page: slice) -> list:
    """A page of the queryset in two steps: the page's ids in the queryset's order (no joins where the order and
    the filters are the model's own columns), then those rows with everything the queryset joins and prefetches.

    One query with the joins makes PostgreSQL join every matching row before it sorts and keeps a page: for a
    selling municipality's economist 5,400 placements with their offers and municipalities, 37 ms, for 100 rows.
    """
    ids = list(queryset.values_list("pk", flat=True)[page])
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)} if ids else {}
    return [rows[pk] for pk in ids]


class ByIds:
    """A queryset Django's paginator counts as it is and slices by `page_by_ids`."""

    ordered = True  # the paginator's check: the queryset below it is ordered

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list:
        return page_by_ids(self.queryset, page)


def query_without(request: HttpRequest, *names: str) -> str:
    """The current GET parameters minus `names`, URL-encoded, for links that keep the filters."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# Binding actions (issue invoices, give notice, cancel, submit a report, lock a category) are asked once: a POST
# without `confirm=1` performs nothing and answers the confirmation (what will happen: counts, totals, dates, who is
# affected), whose form repeats the POST with `confirm=1`. The API has no such step: a client confirms by calling.

CONFIRM = "confirm"


def confirmed(request: HttpRequest) -> bool:
    """The POST carries the confirmation of the page that showed what it will do."""
    return request.POST.get(CONFIRM) == "1"


def carried(request: HttpRequest, *names: str) -> list[tuple[str, str]]:
    """The posted fields the confirmation's form posts again (hidden), in the order named; absent ones left out."""
    return [(name, request.POST[name]) for name in names if name in request.POST]


class _RolledBack(Exception):
    pass


def dry_run(call: Callable):
    """What `call` returns when it runs one service (and reads what it wrote), all rolled back: the confirmation
    shows the service's own result and refusals (its DomainError, raised), and nothing stays written."""
    outcome = None
    try:
        with transaction.atomic():
            outcome = call()
            raise _RolledBack
    except _RolledBack:
        return outcome
