"""The home page: what do I do next. A fixed number of queries whatever the data.

Warm, the page reads the member's memberships and nothing else: every card is HTML
cached under the versions of what it shows (``reading/fragments.py``). The member's
own plan (next sessions with their studied marks, records to keep, make-up study)
is also kept no longer than until the next of their groups' planned sessions ends:
the clock moves a session from "next" to "awaiting record".
"""

from django.db.models import Min, OuterRef, Subquery
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Membership

from ..models import (
    Article,
    MakeUpStudy,
    ReadingProgress,
    SessionMaterial,
    StudySession,
)
from ..reading import cache
from ..reading.activity import own_activity_is_empty, recent_activity
from ..reading.fragments import render_fragment

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
    group_ids = sorted({m.group_id for m in memberships})
    # 待记录 is the record keepers' to-do.
    kept = sorted({m.group_id for m in memberships if m.leads})
    return render(
        request,
        "articles/home.html",
        {
            "memberships": memberships,
            "plan_html": _plan_html(request, group_ids, kept),
            "activity_html": _activity_html(request, group_ids),
            "new_materials_html": render_fragment(
                request,
                "home-new-materials",
                [cache.LIBRARY],
                "articles/_home_new_materials.html",
                lambda: {
                    # Published ones, for staff too: the same for everyone.
                    "new_materials": list(
                        Article.objects.published().order_by("-created_at", "-pk")[
                            :NEW_MATERIALS
                        ]
                    )
                },
            ),
            "recent_records_html": render_fragment(
                request,
                "home-recent-records",
                # Dates, topics and status only: attendance leaves them.
                [cache.sessions(g) for g in group_ids],
                "articles/_home_recent_records.html",
                lambda: {
                    "recent_sessions": list(
                        StudySession.objects.filter(group_id__in=group_ids)
                        .held()
                        .order_by("-starts_at")[:RECENT_RECORDS]
                    )
                },
                "-".join(map(str, group_ids)),
            ),
        },
    )


def _plan_html(request, group_ids: list[int], kept: list[int]):
    """The member's next sessions (with what they have read of the materials),
    the sessions awaiting their record and their open make-up study: their own,
    rendered per member."""
    user = request.user

    def context() -> dict:
        # Taken before the lists: a session ending meanwhile ends the entry early.
        now = timezone.now()
        mine = StudySession.objects.filter(group_id__in=group_ids)
        awaiting = []
        if kept:
            awaiting = list(
                StudySession.objects.filter(group_id__in=kept)
                .awaiting_record()
                .select_related("group")[:AWAITING_RECORD]
            )
        next_sessions = list(
            mine.upcoming().select_related("group", "host")[:NEXT_SESSIONS]
        )
        make_ups = list(
            MakeUpStudy.objects.open()
            .filter(attendance__member=user)
            .select_related("attendance__session__group")
            .order_by("attendance__session__starts_at")[:OPEN_MAKE_UPS]
        )
        _reading_lists(
            user, [*next_sessions, *(item.attendance.session for item in make_ups)]
        )
        # The first moment a planned session of theirs ends (next → awaiting).
        ends = mine.filter(
            status=StudySession.Status.PLANNED, ends_at__gte=now
        ).aggregate(first=Min("ends_at"))["first"]
        return {
            "next_sessions": next_sessions,
            "awaiting_record": awaiting,
            "make_ups": make_ups,
            "valid_until": ends,
        }

    def lifetime(context: dict) -> float | None:
        ends = context["valid_until"]
        return None if ends is None else (ends - timezone.now()).total_seconds()

    return render_fragment(
        request,
        "home-plan",
        [
            # Studied marks and make-up study (cache.bump_studied, bump_records);
            # not cache.member, which every note of theirs bumps.
            cache.archive(user.pk),
            cache.LIBRARY,
            cache.PEOPLE,
            *(cache.group(g) for g in group_ids),
            # The sessions as scheduled, not the whole record: attendance saved
            # for a held session changes neither them nor (but for those whose
            # make-up study it opens or closes: archive) anyone's plan.
            *(cache.sessions(g) for g in group_ids),
        ],
        "articles/_home_plan.html",
        context,
        user.pk,
        "-".join(map(str, group_ids)),
        "-".join(map(str, kept)),
        lifetime=lifetime,
    )


def _reading_lists(user, sessions) -> None:
    """Set ``material_rows`` on ``sessions``: their published materials, each with
    ``studied_at`` (the member's date or None), in one query for all of them."""
    if not sessions:
        return
    studied = ReadingProgress.objects.of_member(user).filter(
        article=OuterRef("article_id")
    )
    by_session: dict[int, list] = {session.pk: [] for session in sessions}
    for row in (
        SessionMaterial.objects.filter(
            session__in=by_session, article__status=Article.Status.PUBLISHED
        )
        .select_related("article")
        .annotate(studied_at=Subquery(studied.values("studied_at")[:1]))
    ):
        by_session[row.session_id].append(row)
    for session in sessions:
        session.material_rows = by_session[session.pk]


def _activity_html(request, group_ids: list[int]):
    """What is going on in my groups: shared annotations only (my private notes are
    on my own page), by the visibility rule. Rendered once per set of groups and
    the versions of their activity (``recent_activity`` keeps each group's part,
    the same for all its members), unless the member has a part of their own
    (notes shared with a group they left, replies on their private notes): then
    once per member and the versions of that part too."""
    user = request.user
    drafts = bool(user.is_staff)
    limits = {"annotations": RECENT_ANNOTATIONS, "replies": RECENT_REPLIES}

    def context() -> dict:
        annotations, replies = recent_activity(user, group_ids, **limits)
        return {"recent_annotations": annotations, "recent_replies": replies}

    scopes = [
        cache.LIBRARY,
        cache.PEOPLE,
        *(cache.group(g) for g in group_ids),
        *(cache.activity(g) for g in group_ids),
    ]
    if own_activity_is_empty(user, group_ids, **limits):
        whose = "shared"
    else:
        whose = user.pk
        scopes.append(cache.elsewhere(user.pk))
    return render_fragment(
        request,
        "home-activity",
        scopes,
        "articles/_home_activity.html",
        context,
        whose,
        drafts,
        "-".join(map(str, group_ids)),
    )
