"""Search result pages, rendered once per query and visibility set.

What a member finds is ``search.kinds.visible_to``: the articles (drafts too for
staff), the annotations and replies of their groups, the speeches of their groups'
sessions (every draft in the groups whose record they keep), and what they see by
being its author or speaker: their annotations outside their groups (private, or
of a group they left) with the replies on them, and their own draft speeches.

Everything but the last part is the same for everyone with the same groups, kept
groups and staff bit, so a page of results is rendered once for that set. A member
who has anything of the last part (``_sees_own``: asked once per version, a
conservative "may have") gets entries of their own instead: a private note never
enters an entry another member is served.

The entries depend on the search index (``cache.SEARCH``: the index layer bumps it
on every row written or removed, so every annotation, reply, speech, article,
import and rebuild) and on the library (``cache.LIBRARY``: status, themes of the
theme filter). Memberships are read on every request and are part of the key.
"""

import hashlib

from django.db.models import Exists, OuterRef, Q
from django.utils.safestring import SafeString
from taggit.models import Tag

from accounts.models import Member, Membership

from .. import search
from ..models import Annotation, Article, DiscussionNote
from ..models.sessions import RECORD_KEEPER_ROLES
from . import cache
from .fragments import render_fragment

TEMPLATE = "articles/_search_results.html"


class Visibility:
    """Who is asking, as far as what they may find goes: read once per request."""

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

    def variant(self) -> tuple:
        return (
            "-".join(map(str, self.group_ids)),
            "-".join(map(str, self.kept_ids)),
            self.drafts,
        )


def theme_choices(visibility: Visibility) -> list[tuple[str, str]]:
    """The themes of the articles the member may read, by name."""

    def build():
        visible = Article.objects.visible_to(visibility.user)
        return list(
            Tag.objects.filter(article__in=visible)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        )

    return cache.cached("search-themes", [cache.LIBRARY], build, visibility.drafts)


def _sees_own(visibility: Visibility) -> bool:
    """Whether the member may find anything because it is theirs (see the module
    docstring): annotations of theirs outside their groups, drafts of speeches they
    drafted or gave. True errs on the safe side (an entry of their own)."""
    user = visibility.user

    def build():
        own_notes = Annotation.objects.filter(author=OuterRef("pk")).exclude(
            group_id__in=visibility.group_ids
        )
        own_drafts = DiscussionNote.objects.filter(
            Q(speaker=OuterRef("pk")) | Q(drafted_by=OuterRef("pk"))
        ).exclude(status=DiscussionNote.Status.FINAL)
        found = (
            Member.objects.filter(pk=user.pk)
            .annotate(notes=Exists(own_notes), drafts=Exists(own_drafts))
            .values_list("notes", "drafts")
            .first()
        )
        return bool(found and any(found))

    return cache.cached(
        "search-own",
        [cache.member(user.pk), cache.SEARCH],
        build,
        user.pk,
        *visibility.variant(),
    )


def results_html(request, visibility: Visibility, data: dict, page_query: str):
    """The results part of the page for the form's cleaned ``data``."""
    owner = visibility.user.pk if _sees_own(visibility) else ""
    asked = (
        data["q"],
        data["kind"],
        data["theme"],
        data["group"],
        data["date_from"],
        data["date_to"],
        data["page"] or 1,
        page_query,
    )
    # What was typed goes into the key as a digest: any length, any character.
    digest = hashlib.sha256(repr(asked).encode()).hexdigest()[:32]

    def context() -> dict:
        return {
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
        }

    html: SafeString = render_fragment(
        request,
        "search",
        [cache.SEARCH, cache.LIBRARY],
        TEMPLATE,
        context,
        *visibility.variant(),
        owner,
        digest,
    )
    return html
