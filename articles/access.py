"""Object access helpers: return the object the member may see, or raise 404.

Every view that takes an id goes through one of these, so the visibility rule is
applied the same way everywhere and a hidden object is indistinguishable from a
missing one.
"""

from django.shortcuts import get_object_or_404

from .models import Article


def get_article_for(user, pk: int) -> Article:
    return get_object_or_404(Article.objects.visible_to(user), pk=pk)
