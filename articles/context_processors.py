"""Template context every page shares."""

from django.utils.functional import SimpleLazyObject

from .reading.notifications import unread_count


def notifications(request) -> dict:
    """The header's unread count, read only if the page renders it (a JSON view
    or a download never asks) and then once: from the cache, kept per member
    (``unread_count``), or one indexed COUNT."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
