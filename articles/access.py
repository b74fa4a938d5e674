"""Object access helpers: return the object the member may see, or raise 404.

Every view that takes an id goes through one of these, so the visibility rule is
applied the same way everywhere and a hidden object is indistinguishable from a
missing one.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Annotation, Article, Reply


def get_article_for(user, pk: int) -> Article:
    return get_object_or_404(Article.objects.visible_to(user), pk=pk)


def get_annotation_for(user, pk: int, *, write: bool = False):
    """An annotation the user sees; with ``write``, only the author's own.

    Someone who sees the annotation but did not write it gets 403 on a write, so a
    group member learns nothing new; anyone else gets 404, as if it did not exist.
    """
    annotation = get_object_or_404(
        Annotation.objects.visible_to(user).select_related(
            "paragraph__article", "group", "author"
        ),
        pk=pk,
    )
    if write and annotation.author_id != user.pk:
        raise PermissionDenied
    return annotation


def get_reply_for(user, pk: int, *, write: bool = False):
    reply = get_object_or_404(
        Reply.objects.visible_to(user).select_related(
            "annotation__paragraph__article", "author"
        ),
        pk=pk,
    )
    if write and reply.author_id != user.pk:
        raise PermissionDenied
    return reply
