"""Rendered HTML kept in the cache under the versions of what it shows.

A page's costly part (a session's record, a group's statistics, a member's
archive) is rendered once per visibility set and kept as HTML under a key built
from the versions of the scopes it depends on (``cache.py``) and the variant of
who may see what (``extra``: a role, a group set; never a member's whole identity
unless the fragment is that member's own read model). Per request only two things
are put in:

- the CSRF token of the forms: the fragment is rendered with ``CSRF_SLOT`` as the
  token (it cannot occur in escaped text, every ``<`` of user text is escaped) and
  the request's token goes in its place;
- pieces only their owner sees (an edit link), written in the template as
  ``{% owned_by member_id %}…{% endowned_by %}`` (``templatetags/fragment_tags``):
  the piece stays for that member and is cut for everyone else.

A fragment is HTML and nothing else: the view still decides with queries of its
own whether the requester may see the object at all (hidden = 404), and the key
holds every scope whose rows the HTML shows, so a write bumps it and the next
read renders afresh. Rendering happens in the request's language and the site's
time zone, both part of the key.
"""

import math
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache as django_cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from . import cache
from .items import CSRF_SLOT, escape

# Markers of owner-only pieces (items.OWNED_OPEN): comments, so that a fragment
# read without filling (a test looking at the cache) is still well-formed HTML.
_OWNED = re.compile(r"<!--owned:(\d+)-->(.*?)<!--/owned-->", re.S)


def fill(html: str, request) -> SafeString:
    """A stored fragment as ``request``'s user sees it."""
    if "<!--owned:" in html:
        user_id = str(request.user.pk)
        html = _OWNED.sub(lambda m: m[2] if m[1] == user_id else "", html)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, escape(get_token(request)))
    return mark_safe(html)  # rendered by a template, autoescaped


def _variant() -> tuple:
    return (translation.get_language() or "", settings.TIME_ZONE)


def render_fragment(
    request,
    name: str,
    scopes: Iterable[cache.Scope],
    template_name: str,
    context: Callable[[], dict],
    *extra,
    lifetime: Callable[[dict], float | None] | None = None,
) -> SafeString:
    """``template_name`` rendered with ``context()`` (called only on a miss: the
    queries behind the HTML run once per version), stored per ``scopes`` and
    ``extra``, and filled in for ``request``.

    ``lifetime(context)``, for HTML that the clock changes too (a session past its
    end is no longer "next"): the seconds until it does, or None (never); the
    entry is kept no longer, and a write still bumps it before."""
    scopes = list(scopes)
    entry = cache.key(name, scopes, cache.versions(scopes), *extra, *_variant())
    html = django_cache.get(entry)
    if html is None:
        values = context()
        html = render_to_string(
            template_name,
            {**values, "csrf_token": mark_safe(CSRF_SLOT), "fragment": True},
            request=request,
        )
        seconds = lifetime(values) if lifetime else None
        if seconds is None:
            django_cache.set(entry, str(html), cache.TIMEOUT)
        elif seconds >= 1:
            # Whole seconds, rounded down: gone early rather than shown late.
            django_cache.set(entry, str(html), min(cache.TIMEOUT, math.floor(seconds)))
    return fill(html, request)
