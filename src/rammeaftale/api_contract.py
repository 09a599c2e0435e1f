"""The API contract every router shares: the error shape and the statuses an operation declares, bounded ids and
years, strict numbers in request bodies. (The Danish text of each validation error: core/messages.py.)"""
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.schema import DjangoGetter
from pydantic import Strict, model_validator

from rammeaftale.core.limits import ID_MAX, INT_MAX, YEAR_MAX, YEAR_MIN
from rammeaftale.engine.tariff_json import SignedAmount

# An id in a path or query: a number no database can hold answers 422, not a server error.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]

# In a JSON body a number must be a JSON number: `true`, `"14"` and `14.0` are refused (pydantic's lax mode would
# read them as 1 and 14). Signs and ranges beyond the column's are the services' Danish rules.
BodyId = Annotated[int, Strict(), Field(ge=1, le=ID_MAX)]
BodyInt = Annotated[int, Strict(), Field(le=INT_MAX)]


# A decimal in a JSON body: a string ("2.8") or a whole JSON number, never a float or a boolean, under 10^12 with at
# most 10 decimals ("1e400" is refused naming the field) — the engine's own rule for every decimal it takes.
BodyDecimal = SignedAmount


# --- errors -------------------------------------------------------------------------------------------------------


class ValidationIssueOut(Schema):
    type: str = Field(description="pydantic's error type, e.g. `missing`, `int_parsing`.")
    loc: list[str | int] = Field(description="Where: `body`, `query`, `path` or `file`, then the field.")
    msg: str = Field(description="The library's English message.")
    message: str = Field(description="Den danske besked.")
    ctx: dict[str, Any] | None = None


class ErrorOut(Schema):
    code: str = Field(description="invalid (or the rule's own code), not_authenticated, not_allowed, not_found, "
                                  "invalid_request, …")
    field: str = Field(description="The field the error is about; empty when it concerns the whole request.")
    message: str = Field(description="Dansk besked til mennesker.")
    detail: str | list[ValidationIssueOut] = Field(
        description="English detail; for 422 the list of validation errors, each with its Danish `message`.")


# 400 bad data or a broken rule, 401 not logged in, 403 not allowed (or a session POST without CSRF token), 404 not
# found (or not for you), 422 malformed request, 429 throttled: docs/api.md "Errors".
ERROR_STATUSES = frozenset({400, 401, 403, 404, 422, 429})

# Every operation needs a login: 401 (no or wrong credentials) and 429 (HTTP Basic locked out after too many wrong
# passwords, accounts/login_throttle.py) are declared on all of them.
ALWAYS = (401, 429)


def errors(*statuses: int) -> dict[int, type[Schema]]:
    """The error responses an operation declares besides its success, each with the shared `ErrorOut`:
    `response={200: OfferOut, **errors(403, 404, 422)}`. 401 and 429 are always included."""
    unknown = set(statuses) - ERROR_STATUSES
    if unknown:
        raise ValueError(f"no error response defined for {sorted(unknown)}")
    return {status: ErrorOut for status in sorted({*ALWAYS, *statuses})}


def binary(media_type: str, description: str) -> dict:
    """`openapi_extra` for an operation that answers a file (PDF, XLSX, CSV, XML) instead of JSON."""
    return {"responses": {200: {"description": description,
                                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}}}


class PagesIn(Schema):
    limit: int = Field(100, ge=1, le=500, description="Højst 500 pr. side.")
    offset: int = Field(0, ge=0, le=INT_MAX)


class Pages(LimitOffsetPagination):
    """`limit` and `offset` with a bounded offset (ninja's own has none, and a huge one overflows the database)."""

    Input = PagesIn


# --- lists answered from dicts ----------------------------------------------------------------------------------------


class DictSchema(Schema):
    """A response schema that takes a dict as it is and a model object as ninja does.

    ninja reads every field of every object through its `DjangoGetter` (a Python attribute lookup per field, then the
    `resolve_…` methods); for a list of 100 placements with their offers and municipalities that was 14 ms of a
    request. A list endpoint builds each row as a dict with every field (`Rows`), which pydantic then checks in
    its compiled code (about 1 ms for the same list): the same schema, the same checks, the same JSON. An object (a
    detail endpoint) still goes through the getter and the resolvers. A dict must carry every field itself: the
    resolvers are not run for it.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        if type(values) is dict:
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class Rows:
    """A queryset `Pages` counts and slices as it would the queryset, whose page it hands on as dicts: `as_dict` of
    each object (see `DictSchema`). `read_page(queryset, page)` reads the page where a plain slice does not serve
    (`http.page_by_ids`: its ids first, then the rows with their joins)."""

    def __init__(self, queryset, as_dict: Callable[[Any], dict],
                 read_page: Callable[[Any, slice], Iterable] | None = None):
        self.queryset, self.as_dict, self.read_page = queryset, as_dict, read_page

    def all(self):  # `Pages` counts `rows.all().count()`: the queryset's own COUNT
        return self.queryset.all()

    def __getitem__(self, page: slice) -> list[dict]:
        items = self.read_page(self.queryset, page) if self.read_page else self.queryset[page]
        return [self.as_dict(item) for item in items]
