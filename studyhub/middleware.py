"""Project-wide response policies that no single view should have to remember."""

import logging

from django.utils.cache import add_never_cache_headers, patch_vary_headers

from .security import security_event


class NoStoreForMembersMiddleware:
    """Send ``Cache-Control: no-store`` with every response to a logged-in user.

    Pages after login hold private content (drafts for staff, notes and records of a
    group), which a shared computer's browser cache or a proxy must not keep. Static
    files never get here: whitenoise answers them earlier.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response  # already private (login page, health check)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_vary_headers(response, ["Cookie"])
        return response


class SecurityEventMiddleware:
    """Log every 403 answer (a ``PermissionDenied``, a CSRF failure) as an event.

    404s are not logged here: most are plain typos. The access helpers log the
    404s that hide an object which exists (``access_denied``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            security_event(
                "permission_denied", request, level=logging.WARNING, status=403
            )
        return response
