"""Template context every page shares."""

from django.utils.functional import SimpleLazyObject

from .models import Notification


def notifications(request) -> dict:
    """The header's unread count, counted only if the page renders it (a JSON
    view or a download never asks) and then once: one indexed COUNT."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.for_recipient(user).unread().count()
        )
    }
