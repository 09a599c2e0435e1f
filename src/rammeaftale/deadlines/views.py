"""The agreement's year (årshjul): the page for the secretariat (every party) and for an organisation (its own), the
user's secret calendar address and the iCalendar feed it serves."""
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rammeaftale.accounts.actor import actor_for_request
from rammeaftale.core import clock
from rammeaftale.core.errors import NotAllowed, NotFound
from rammeaftale.deadlines.ical import calendar_feed_ics, feed_user
from rammeaftale.deadlines.selectors import calendar_feed_exists, calendar_for
from rammeaftale.deadlines.services import calendar_feed_create, calendar_feed_revoke, feed_token_hash
from rammeaftale.http import int_param, page_view


def _page(request, *, feed_url: str = ""):
    actor = actor_for_request(request)
    today = clock.today()
    year = int_param(request, "aar") or today.year
    calendar = calendar_for(actor=actor, year=year, today=today, region_id=int_param(request, "region"))
    return render(request, "deadlines/calendar.html", {
        "calendar": calendar, "years": range(today.year - 2, today.year + 3), "feed_url": feed_url,
        "has_feed": calendar_feed_exists(actor=actor)})


@page_view
@require_GET
def calendar_page(request):
    return _page(request)


@page_view
@require_POST
def calendar_feed_new(request):
    """A new secret address, shown once on the page that answers (a former address stops working)."""
    token = calendar_feed_create(actor=actor_for_request(request))
    url = request.build_absolute_uri(reverse("deadlines:feed", kwargs={"token": token}))
    return _page(request, feed_url=url)


@page_view
@require_POST
def calendar_feed_delete(request):
    if calendar_feed_revoke(actor=actor_for_request(request)):
        messages.success(request, "Kalenderadressen er slettet; den virker ikke længere.")
    return redirect("deadlines:calendar")


@require_GET
def calendar_feed(request, token: str):
    """The feed for a calendar program: no login, the secret address is the key; a wrong or revoked one is 404."""
    try:
        user = feed_user(token_sha256=feed_token_hash(token))
        body = calendar_feed_ics(user=user, today=clock.today(), base_url=settings.RAMMEAFTALE_BASE_URL)
    except (NotFound, NotAllowed) as error:
        raise Http404(error.message_da) from error
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rammeaftale-frister.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
