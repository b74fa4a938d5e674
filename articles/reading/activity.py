"""Home's recent activity in a member's groups, cached per group.

What home lists is what ``visible_to`` lets the member see, split as the reader's
layers are: per group, the newest annotations shared with it and the newest replies
on them (the same for every member of the group, one entry per group); and the
member's own part, outside their groups (notes shared with a group they left,
replies on their private notes). The lists are merged newest first per request.
Other parts of home stay in the view: this module only answers "what is new".
"""

from ..models import Annotation, Article, Reply
from . import cache


def _articles(drafts: bool):
    # Article.objects.visible_to, by the one bit it depends on.
    return Article.objects.all() if drafts else Article.objects.published()


def _newest(annotations, replies, limit_annotations, limit_replies):
    return (
        list(
            annotations.live()
            .select_related("author", "group", "paragraph__article")
            .order_by("-created_at", "-pk")[:limit_annotations]
        ),
        list(
            replies.filter(deleted_at__isnull=True, annotation__deleted_at__isnull=True)
            .select_related(
                "author", "annotation__author", "annotation__paragraph__article"
            )
            .order_by("-created_at", "-pk")[:limit_replies]
        ),
    )


def _parts(user, group_ids, limits) -> tuple[dict, str]:
    """Every part of the member's activity (key → (annotations, replies)), built
    where missing, and the key of their own part."""
    group_ids = sorted(set(group_ids))
    drafts = bool(user.is_staff)
    common = [cache.LIBRARY, cache.PEOPLE]
    per_group = {g: [cache.group(g), cache.activity(g), *common] for g in group_ids}
    # Not cache.member: every note of theirs bumps it, and a new note is never here.
    own_scopes = [cache.elsewhere(user.pk), *common, *map(cache.group, group_ids)]
    known = cache.versions(
        {s for scopes in [*per_group.values(), own_scopes] for s in scopes}
    )
    builders = {}
    for group_id, scopes in per_group.items():
        entry = cache.key("activity-group", scopes, known, group_id, drafts, *limits)
        builders[entry] = lambda g=group_id: _newest(
            Annotation.objects.filter(
                group_id=g, paragraph__article__in=_articles(drafts)
            ),
            Reply.objects.filter(
                annotation__group_id=g,
                annotation__paragraph__article__in=_articles(drafts),
            ),
            *limits,
        )
    own = cache.key(
        "activity-member",
        own_scopes,
        known,
        user.pk,
        drafts,
        *limits,
        "-".join(map(str, group_ids)),
    )
    builders[own] = lambda: _newest(
        Annotation.objects.filter(
            author=user,
            group__isnull=False,
            paragraph__article__in=_articles(drafts),
        ).exclude(group_id__in=group_ids),
        Reply.objects.filter(
            annotation__author=user,
            annotation__paragraph__article__in=_articles(drafts),
        ).exclude(annotation__group_id__in=group_ids),
        *limits,
    )
    return cache.get_many_built(builders), own


def own_activity_is_empty(user, group_ids, *, annotations: int, replies: int) -> bool:
    """Whether the member's own part (notes shared with a group they left, replies
    on their private notes) adds nothing: then what home shows of the activity is
    the same for everyone in the same groups."""
    found, own = _parts(user, group_ids, (annotations, replies))
    return not any(found[own])


def recent_activity(
    user, group_ids, *, annotations: int, replies: int
) -> tuple[list[Annotation], list[Reply]]:
    """The newest ``annotations`` shared in the member's groups and the newest
    ``replies`` they may read, newest first."""
    found, _own = _parts(user, group_ids, (annotations, replies))
    newest = lambda item: (item.created_at, item.pk)  # noqa: E731
    return (
        sorted(
            (a for part in found.values() for a in part[0]), key=newest, reverse=True
        )[:annotations],
        sorted(
            (r for part in found.values() for r in part[1]), key=newest, reverse=True
        )[:replies],
    )
