"""The benchmarks' own URLconf: the product's URLs plus one page that does no work.

The floor of every member page is what a logged-in request costs before the page
does anything: the session and user lookups, the middleware, ``base.html`` and its
context processors. ``/bench/floor/`` is exactly that, and it exists only when a
benchmark points ``ROOT_URLCONF`` here (``bench/settings.py`` for gunicorn,
``settings.ROOT_URLCONF`` in-process), so members never get a URL that serves no
purpose, and the permission matrix keeps listing only product routes.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from studyhub.urls import urlpatterns as product_urlpatterns

from . import cachestats

FLOOR_PATH = "/bench/floor/"


@require_GET
def floor(request):
    """A logged-in page with nothing on it (login required by the middleware)."""
    return render(request, "base.html")


@login_not_required
@require_GET
def cache_stats(request):
    """The hits and misses of all workers so far (bench/cachestats.py)."""
    hits, misses = cachestats.totals()
    return JsonResponse({"hits": hits, "misses": misses})


urlpatterns = [
    path(FLOOR_PATH.strip("/") + "/", floor, name="bench_floor"),
    path("bench/cache-stats/", cache_stats, name="bench_cache_stats"),
]
urlpatterns += product_urlpatterns
