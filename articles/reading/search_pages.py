"""Search result pages, rendered once per query and visibility set.

What a member finds is ``search.kinds.visible_to``: the articles (drafts too for
staff), the annotations and replies of their groups, the speeches of their groups'
sessions (every draft in the groups whose record they keep), and what they see by
being its author or speaker: their annotations outside their groups (private, or
of a group they left) with the replies on them, and their own draft speeches.

Everything but the last part is the same for everyone with the same groups, kept
groups and staff bit, so a page of results is rendered once for that set. A member
who has anything of the last part (``Visibility._sees_own``, asked once per version
of the member and of the index, a conservative "may have") gets entries of their
own instead: a private note never enters an entry another member is served. The
form's filters (their choices and the values typed) are kept as HTML too.

The entries depend on the search index (``cache.SEARCH``: the index layer bumps it
on every row written or removed, so every annotation, reply, speech, article,
import and rebuild) and on the library (``cache.LIBRARY``: status, themes of the
theme filter). Memberships are read on every request and are part of the key.
"""

import hashlib

from django.conf import settings
from django.db.models import Exists, Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from taggit.models import Tag

from accounts.models import Member, Membership

from .. import search
from ..models import Annotation, Article, DiscussionNote
from ..models.sessions import RECORD_KEEPER_ROLES
from . import cache
from .fragments import fill
from .items import CSRF_SLOT

TEMPLATE = "articles/_search_results.html"
FILTERS_TEMPLATE = "articles/_search_filters.html"


class Visibility:
    """Who is asking, as far as what they may find goes: memberships read once per
    request (a membership ended is obeyed at once, however it ended); the rest
    from the cache, in two round trips."""

    def __init__(self, user):
        rows = list(
            Membership.objects.filter(member=user)
            .order_by("group__name", "group_id")
            .values_list("group_id", "group__name", "role")
        )
        self.user = user
        # The group filter's choices, in the groups' order (by name).
        self.groups = [(pk, name) for pk, name, _role in rows]
        self.group_ids = tuple(sorted(pk for pk, _name, _role in rows))
        self.kept_ids = tuple(
            sorted(pk for pk, _name, role in rows if role in RECORD_KEEPER_ROLES)
        )
        self.drafts = bool(user.is_staff)
        self.known = cache.versions(
            [cache.SEARCH, cache.LIBRARY, cache.member(user.pk)]
        )
        sets = ("-".join(map(str, self.group_ids)), "-".join(map(str, self.kept_ids)))
        themes = cache.key("search-themes", [cache.LIBRARY], self.known, self.drafts)
        own = cache.key(
            "search-own",
            [cache.member(user.pk), cache.SEARCH],
            self.known,
            user.pk,
            *sets,
        )
        found = cache.get_many_built({themes: self._themes, own: self._sees_own})
        # The theme filter's choices: the themes of the articles one may read.
        self.themes = found[themes]
        self.variant = (
            *sets,
            self.drafts,
            # A member who finds something as its author: entries of their own.
            user.pk if found[own] else "",
        )

    def _themes(self) -> list[tuple[str, str]]:
        visible = Article.objects.visible_to(self.user)
        return list(
            Tag.objects.filter(article__in=visible)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        )

    def _sees_own(self) -> bool:
        """Whether the member may find anything because it is theirs (see the
        module docstring): annotations of theirs outside their groups (the
        author's writes bump ``member``), drafts of speeches they drafted or gave
        (indexed when written: ``SEARCH``). True errs on the safe side."""
        user = self.user
        found = (
            Member.objects.filter(pk=user.pk)
            .annotate(
                notes=Exists(
                    Annotation.objects.filter(author=user).exclude(
                        group_id__in=self.group_ids
                    )
                ),
                drafts=Exists(
                    DiscussionNote.objects.filter(
                        Q(speaker=user) | Q(drafted_by=user)
                    ).exclude(status=DiscussionNote.Status.FINAL)
                ),
            )
            .values_list("notes", "drafts")
            .first()
        )
        return bool(found and any(found))


def _digest(*parts) -> str:
    # What was typed goes into a key as a digest: any length, any character.
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


FILTERS = ("kind", "theme", "group", "date_from", "date_to")


def render(request, visibility: Visibility, form, page_query: str):
    """(the form's filters, the results or None) as HTML, from the cache in one
    round trip; what is missing is rendered and stored."""
    variant = (translation.get_language() or "", settings.TIME_ZONE)
    # The filters' HTML follows from their choices and the values typed (and the
    # errors these give), all in the key.
    filters = cache.key(
        "search-filters",
        [],
        {},
        _digest(
            visibility.themes,
            visibility.groups,
            form.is_bound,
            [form[name].value() for name in FILTERS],
        ),
        *variant,
    )
    builders = {filters: lambda: _render(request, FILTERS_TEMPLATE, {"form": form})}
    results = None
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("q", "").strip():
        asked = (*(data[name] for name in ("q", *FILTERS)), data["page"] or 1)
        results = cache.key(
            "search",
            [cache.SEARCH, cache.LIBRARY],
            visibility.known,
            *visibility.variant,
            _digest(*asked, page_query),
            *variant,
        )
        builders[results] = lambda: _render(
            request,
            TEMPLATE,
            {
                "results": search.search(
                    visibility.user,
                    data["q"],
                    kinds=[data["kind"]] if data["kind"] else None,
                    theme=data["theme"] or None,
                    group_id=data["group"],
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    page=data["page"] or 1,
                ),
                "q": data["q"],
                "page_query": page_query,
            },
        )
    found = cache.get_many_built(builders)
    return (
        fill(found[filters], request),
        fill(found[results], request) if results else None,
    )


def _render(request, template_name: str, context: dict) -> str:
    # As fragments.render_fragment renders: the CSRF token as a slot.
    return str(
        render_to_string(
            template_name,
            {**context, "csrf_token": mark_safe(CSRF_SLOT), "fragment": True},
            request=request,
        )
    )
