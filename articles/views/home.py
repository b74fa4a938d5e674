"""The home page: what do I do next. A fixed number of queries whatever the data."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Membership

from ..models import (
    Article,
    MakeUpStudy,
    ReadingProgress,
    SessionMaterial,
    StudySession,
)
from ..reading.activity import recent_activity
from ..records.reads import materials_prefetch

NEXT_SESSIONS = 3
OPEN_MAKE_UPS = 5
NEW_MATERIALS = 5
RECENT_RECORDS = 3
RECENT_ANNOTATIONS = 5
RECENT_REPLIES = 5
AWAITING_RECORD = 5


@require_GET
def home(request):
    user = request.user
    memberships = list(
        Membership.objects.filter(member=user)
        .select_related("group")
        .order_by("group__name")
    )
    mine = StudySession.objects.filter(group__memberships__member=user)
    # 待记录 is the record keepers' to-do: one more query, for them only.
    awaiting = []
    if any(m.leads for m in memberships):
        awaiting = list(
            StudySession.objects.kept_by(user)
            .awaiting_record()
            .select_related("group")[:AWAITING_RECORD]
        )
    next_sessions = list(
        mine.upcoming()
        .select_related("group", "host")
        .prefetch_related(materials_prefetch(published_only=True))[:NEXT_SESSIONS]
    )
    recent = list(
        mine.held().select_related("group").order_by("-starts_at")[:RECENT_RECORDS]
    )
    make_ups = list(
        MakeUpStudy.objects.open()
        .filter(attendance__member=user)
        .select_related("attendance__session__group")
        .prefetch_related(
            Prefetch(
                "attendance__session__sessionmaterial_set",
                queryset=SessionMaterial.objects.filter(
                    article__in=Article.objects.published()
                ).select_related("article"),
                to_attr="material_rows",
            ),
        )
        .order_by("attendance__session__starts_at")[:OPEN_MAKE_UPS]
    )
    new_materials = list(
        Article.objects.visible_to(user)
        .published()
        .order_by("-created_at", "-pk")[:NEW_MATERIALS]
    )
    # What is going on in my groups: shared annotations only (my private notes are
    # on my own page), by the visibility rule, cached per group.
    recent_annotations, recent_replies = recent_activity(
        user,
        [m.group_id for m in memberships],
        annotations=RECENT_ANNOTATIONS,
        replies=RECENT_REPLIES,
    )
    _mark_studied(user, next_sessions)
    return render(
        request,
        "articles/home.html",
        {
            "memberships": memberships,
            "next_sessions": next_sessions,
            "awaiting_record": awaiting,
            "recent_sessions": recent,
            "make_ups": make_ups,
            "new_materials": new_materials,
            "recent_annotations": recent_annotations,
            "recent_replies": recent_replies,
        },
    )


def _mark_studied(user, sessions) -> None:
    """Set ``studied_at`` (a date or None) on every material row of ``sessions``:
    one query for all rows, whatever the number of sessions and materials."""
    rows = [row for session in sessions for row in session.material_rows]
    studied = dict(
        ReadingProgress.objects.of_member(user)
        .filter(article__in={row.article_id for row in rows})
        .values_list("article_id", "studied_at")
    )
    for row in rows:
        row.studied_at = studied.get(row.article_id)
