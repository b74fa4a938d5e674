"""The article list: one page of cards, rendered once per visibility set.

A card (the article, its length and themes) and the theme sidebar are the same for
everyone who may read the same articles (staff also see drafts): rendered once per
staff bit, page and theme (``fragments.render_fragment``) under the library's
version, which an annotation does not change.

The count of annotations on a card is put in per request, at a slot, from two
parts: those shared with the member's groups, kept per set of groups and page
under the activity of each of the groups (every annotation write bumps the
activity of the groups it was and is shared with); and the member's own ones
(their private notes, and those shared with a group they left) with the studied
mark, kept per member and page under the member's version (annotation writes of
the author and the studied mark bump it). So a note written costs one small
count on the next list, not the cards again, and neither part ever reaches a
member outside its set.
"""

import hashlib
import re

from django.core.cache import cache as django_cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from taggit.models import Tag

from accounts.models import Membership

from ..models import Annotation, Article, ReadingProgress
from . import cache
from .fragments import render_fragment

TEMPLATE = "articles/_article_list.html"
# The slots of a card's own bits in the shared HTML: the article and the count of
# the annotations shared with the set's groups; the studied mark.
_NOTES = re.compile(r"<!--notes:(\d+):\d+-->")
_STUDIED = re.compile(r"<!--studied:(\d+)-->")


def group_ids_of(user) -> tuple[int, ...]:
    """The member's groups, read on every request: a membership ended is obeyed
    at once, whoever ended it."""
    return tuple(
        sorted(
            Membership.objects.filter(member=user)
            .order_by()
            .values_list("group_id", flat=True)
        )
    )


# More pages than any library has: a larger number is past the last page (404, as
# ListView answers), and never reaches the database as an offset it refuses.
MAX_PAGE = 10**6


def page_number(value) -> int | str:
    """The page asked for, as ``ListView`` reads it: a number or "last"."""
    if value == "last":
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1 <= number <= MAX_PAGE:
        raise Http404
    return number


def _digest(*parts) -> str:
    # What a visitor typed goes into the key only as a digest: any length, any
    # character, one key.
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _counted(annotations) -> Subquery:
    return Coalesce(
        Subquery(
            annotations.live()
            .filter(paragraph__article=OuterRef("pk"))
            .order_by()
            .values("paragraph__article")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )


def _unindexed(column: str) -> ExpressionWrapper:
    # ``column + 0``: an index on it cannot be used. Counted per article, the
    # narrow path is the article's paragraphs and their annotations; SQLite's
    # planner (no statistics) would walk every annotation of the group or author
    # through their own index, once per article.
    return ExpressionWrapper(F(column) + 0, output_field=IntegerField())


def _shared_annotations(group_ids):
    return Annotation.objects.alias(shared_with=_unindexed("group_id")).filter(
        shared_with__in=group_ids
    )


def _own_annotations(user, group_ids):
    # The annotations the member sees beyond the groups': their own, outside them
    # (private, or shared with a group they left). ``visible_to`` split in two.
    return (
        Annotation.objects.alias(written_by=_unindexed("author_id"))
        .filter(written_by=user.pk)
        .exclude(group_id__in=group_ids)
    )


def _own_parts(articles, user, group_ids):
    return articles.annotate(
        own_count=_counted(_own_annotations(user, group_ids)),
        studied=Exists(
            ReadingProgress.objects.of_member(user).filter(article=OuterRef("pk"))
        ),
    )


def _total(articles) -> Subquery:
    # How many there are, as a column of the page's own query: a subquery that
    # does not depend on the row, so the database counts once (a window count
    # would compute every row's length and counts before the LIMIT).
    return Subquery(
        articles.order_by().annotate(n=Func("pk", function="COUNT")).values("n")
    )


def _shared_page(user, group_ids, theme, number, per_page) -> dict:
    """The template's context for one page: one query for the page and its total
    (and the member's own bits), one for its themes, one for the sidebar."""
    articles = Article.objects.visible_to(user)
    if theme is not None:
        articles = articles.filter(tags=theme)
    if number == "last":
        number = max(1, -(-articles.count() // per_page))
    if number < 1:
        raise Http404
    offset = (number - 1) * per_page
    # The page's ids first: the lengths and counts are computed for its rows only
    # (the database would compute them for every row before sorting).
    shown = Article.objects.filter(
        pk__in=articles.values("pk")[offset : offset + per_page]
    )
    rows = list(
        _own_parts(shown.with_length(), user, group_ids)
        .annotate(total=_total(articles))
        .prefetch_related("tags")
    )
    if not rows and number > 1:
        raise Http404  # past the last page, as ListView answers
    paginator = Paginator([], per_page)
    paginator.count = rows[0].total if rows else 0
    page = Page(rows, number, paginator)
    for article in rows:
        # The slots take the counts per request (the card itself is the same for
        # every set of groups).
        article.shared_count = 0
        article.annotation_count = article.own_count
    visible = Article.objects.visible_to(user)
    themes = (
        Tag.objects.filter(article__in=visible)
        .annotate(article_count=Count("article", filter=Q(article__in=visible)))
        .order_by("-article_count", "name")
    )
    return {
        "articles": rows,
        "page_obj": page,
        "paginator": paginator,
        "is_paginated": page.has_other_pages(),
        "theme": theme,
        "themes": themes,
        "member_slots": True,
    }


def article_list(request, theme, number, per_page: int) -> SafeString:
    """The page's content as ``request.user`` sees it."""
    user = request.user
    group_ids = group_ids_of(user)
    drafts = bool(user.is_staff)
    built = {}

    def context() -> dict:
        built.update(_shared_page(user, group_ids, theme, number, per_page))
        return built

    html = render_fragment(
        request,
        "article-list",
        [cache.LIBRARY],
        TEMPLATE,
        context,
        drafts,
        theme.pk if theme else "",
        _digest(request.GET.get("theme", ""), number),
    )
    pks = [int(m[1]) for m in _NOTES.finditer(html)]
    if "articles" in built:
        own = {a.pk: (a.own_count, a.studied) for a in built["articles"]}
    else:
        own = None
    own = _member_part(user, group_ids, pks, own)
    shared = _shared_counts(group_ids, pks)
    for article in built.get("articles", ()):
        # The context, as the page shows it (the view's tests read it).
        article.shared_count = shared.get(article.pk, 0)
        article.annotation_count = article.shared_count + article.own_count
    return _fill(html, shared, own)


def _shared_counts(group_ids, pks) -> dict[int, int]:
    """How many live annotations each article shown has shared with the groups:
    kept per set of groups and page under the groups' activity (every annotation
    write bumps the activity of the groups it was and is shared with), apart from
    the cards, which an annotation does not change."""
    if not group_ids or not pks:
        return {}
    scopes = [cache.LIBRARY, *map(cache.activity, group_ids)]

    def build() -> dict[int, int]:
        return dict(
            _shared_annotations(group_ids)
            .live()
            .filter(paragraph__article__in=pks)
            .order_by()
            .values("paragraph__article")
            .annotate(n=Count("pk"))
            .values_list("paragraph__article", "n")
        )

    return cache.cached(
        "article-list-shared",
        scopes,
        build,
        "-".join(map(str, group_ids)),
        _digest(*pks),
    )


def _member_part(user, group_ids, pks, known) -> dict[int, tuple[int, bool]]:
    """The member's own count and studied mark of each article shown."""
    scopes = [cache.member(user.pk)]
    entry = cache.key(
        "article-list-member",
        scopes,
        cache.versions(scopes),
        user.pk,
        "-".join(map(str, group_ids)),
        _digest(*pks),
    )
    if known is None:
        known = django_cache.get(entry)
        if known is not None:
            return known
        known = {
            pk: (own_count, studied)
            for pk, own_count, studied in _own_parts(
                Article.objects.filter(pk__in=pks).order_by(), user, group_ids
            ).values_list("pk", "own_count", "studied")
        }
    django_cache.set(entry, known, cache.TIMEOUT)
    return known


def _fill(
    html: str, shared: dict[int, int], own: dict[int, tuple[int, bool]]
) -> SafeString:
    def notes(match) -> str:
        pk = int(match[1])
        count = shared.get(pk, 0) + own.get(pk, (0, False))[0]
        if not count:
            return ""
        text = gettext("%(count)s annotations") % {"count": count}
        return f'<span class="article-card__notes">{escape(text)}</span>'

    def studied(match) -> str:
        if not own.get(int(match[1]), (0, False))[1]:
            return ""
        text = escape(gettext("studied"))
        return f'<span class="badge badge--studied">✓ {text}</span>'

    return mark_safe(_STUDIED.sub(studied, _NOTES.sub(notes, html)))
