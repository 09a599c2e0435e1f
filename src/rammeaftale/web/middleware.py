"""Responses that can carry personal data are never stored by a browser or proxy cache."""
from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` (and Django's never-cache headers) on every response to a signed-in user and on
    every API response: placements, contracts, invoices and CPR reads must not linger in a shared computer's
    cache or the back button after logging out. Static files are answered by WhiteNoise before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith("/api/") or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response
