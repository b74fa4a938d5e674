"""Object access helpers: return the object the member may see, or raise 404.

Every view that takes an id goes through one of these, so the visibility rule is
applied the same way everywhere and a hidden object is indistinguishable from a
missing one. A 404 for an object that does exist is logged as an ``access_denied``
security event (model and id only, never its content).
"""

import logging

from django.db.models import Model, QuerySet
from django.http import Http404

from studyhub.security import security_event

from .models import Article


def get_visible_or_404(visible: QuerySet, user, request=None, **lookup) -> Model:
    """The object of ``visible`` matching ``lookup``, else 404 (and an event when the
    object exists but ``user`` may not see it)."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        if visible.model._default_manager.filter(**lookup).exists():
            security_event(
                "access_denied",
                request,
                level=logging.WARNING,
                user_id=getattr(user, "pk", None),
                model=visible.model._meta.label,
                lookup={key: str(value) for key, value in lookup.items()},
            )
        raise Http404(visible.model._meta.object_name) from None


def get_article_for(user, pk: int, request=None) -> Article:
    return get_visible_or_404(Article.objects.visible_to(user), user, request, pk=pk)
