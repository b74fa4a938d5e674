"""Search result pages, rendered once per query and visibility set.

What a member finds is ``search.kinds.visible_to``: the articles (drafts too for
staff), the annotations and replies of their groups, the speeches of their groups'
sessions (every draft in the groups whose record they keep), and what they see by
being its author or speaker: their annotations outside their groups (private, or
of a group they left) with the replies on them, and their own draft speeches.

Everything but the last part is the same for everyone with the same groups, kept
groups and staff bit, so a page of results is rendered once for that set. A member
who has anything of the last part (``Visibility._sees_own``, asked once per version
of what they may find as theirs, a conservative "may have") gets entries of their
own instead: a private note never enters an entry another member is served (a
shared entry is searched with ``shared_by``, the set's rows alone, so not even a
first private note written during its render does). The form's filters (their
choices and the values typed) are kept as HTML too.

The entries depend on the rows of the index their member may find, by audience
(search/index.py bumps, per row written or removed, the scopes of whoever may find
it): ``cache.search_group`` of each of the member's groups (the notes, replies and
speeches shared with it) and, for an entry of their own, ``cache.search_person``
(their notes outside their groups, the replies on them even from a group they
left, speeches they gave or drafted); ``cache.SEARCH`` for the rest (articles'
text, imports, rebuilds, the dictionary, a group deleted); and the library
(``cache.LIBRARY``: status, themes of the theme filter). A note in one group leaves
the pages of every other group's members cached. Memberships are read on every
request and are part of the key.
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
        person = cache.search_person(user.pk)
        # What the results depend on: the index as a whole, the library and the
        # rows shared with each of the member's groups; an entry of their own also
        # on what they may find as theirs.
        self.scopes = [
            cache.SEARCH,
            cache.LIBRARY,
            *(cache.search_group(pk) for pk in self.group_ids),
        ]
        self.known = cache.versions([*self.scopes, person])
        sets = ("-".join(map(str, self.group_ids)), "-".join(map(str, self.kept_ids)))
        themes = cache.key("search-themes", [cache.LIBRARY], self.known, self.drafts)
        # Turns True at once: a private note of theirs, a speech they give or
        # drafted bumps ``person``; a group deleted (its notes made private) bumps
        # SEARCH; leaving a group changes the key (their groups are in it).
        own = cache.key(
            "search-own", [person, cache.SEARCH], self.known, user.pk, *sets
        )
        found = cache.get_many_built({themes: self._themes, own: self._sees_own})
        # The theme filter's choices: the themes of the articles one may read.
        self.themes = found[themes]
        if found[own]:
            # A member who finds something as its author: entries of their own.
            self.scopes.append(person)
        self.variant = (*sets, self.drafts, user.pk if found[own] else "")

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
        module docstring): annotations of theirs outside their groups, drafts of
        speeches they drafted or gave (the index bumps ``search_person`` of both
        when it writes them). True errs on the safe side."""
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
            visibility.scopes,
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
                    # An entry shared by the member's set holds what the set
                    # finds, never a row of the member's own: one they wrote
                    # during this render (their first private note) bumps no
                    # scope of this entry.
                    shared_by=None if visibility.variant[-1] else visibility.group_ids,
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
