"""The record pages' cached HTML: the session list, a session's record, a group's
statistics and a member's archive (views/sessions.py, views/groups.py).

``render_fragment`` (reading/fragments.py) with two things these pages need:

- a fragment that shows the time (a planned session past its end reads 待记录, a
  started one offers "mark as held") is kept until the moment it would read
  otherwise: the context gives that moment as ``valid_until`` (None: no such
  moment) and a fragment read at or after it is rendered afresh;
- the context built on a miss is returned, so that the page's template context
  holds it as it did before the fragment was cached (tests read it). On a hit it
  is None.

The scopes: ``cache.records(group)`` of every group whose record the HTML shows
(bumped by the services writing sessions, attendance, speeches, leave, sign-in,
reflections, make-ups, plans, settings and studied marks), ``cache.group(group)``
(its name and members: accounts' changes), ``cache.PEOPLE`` (names) and, where
articles are named, ``cache.LIBRARY`` (titles, published or withdrawn).
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache as django_cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from ..reading import cache
from ..reading.fragments import fill
from ..reading.items import CSRF_SLOT


def render_record_fragment(
    request,
    name: str,
    scopes: Iterable[cache.Scope],
    template_name: str,
    context: Callable[[], dict],
    *extra,
) -> tuple[SafeString, dict | None]:
    """``template_name`` rendered with ``context()`` once per versions of
    ``scopes`` and per ``extra`` (who may see what: never leave out a role or a
    group set), filled in for ``request``; and the context if it was built."""
    scopes = list(scopes)
    variant = (translation.get_language() or "", settings.TIME_ZONE)
    entry = cache.key(name, scopes, cache.versions(scopes), *extra, *variant)
    stored = django_cache.get(entry)
    if stored is not None:
        html, valid_until = stored
        if valid_until is None or timezone.now() < valid_until:
            return fill(html, request), None
    built = context()
    html = render_to_string(
        template_name,
        {**built, "csrf_token": mark_safe(CSRF_SLOT), "fragment": True},
        request=request,
    )
    django_cache.set(entry, (str(html), built.get("valid_until")), cache.TIMEOUT)
    return fill(html, request), built


def roles_key(pairs: Iterable[tuple[int, bool]]) -> str:
    """A group set with whether the viewer keeps each one's record, as a key part:
    ``3k.7m`` (keeps the record of group 3, a member of group 7)."""
    return ".".join(f"{pk}{'k' if keeps else 'm'}" for pk, keeps in sorted(pairs))


def next_change(session_times: Iterable) -> object | None:
    """The first of the given times still to come (None if all are past)."""
    now = timezone.now()
    future = [moment for moment in session_times if moment > now]
    return min(future) if future else None
