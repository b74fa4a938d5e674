"""The home page: what do I do next. A fixed number of queries whatever the data."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Membership

from ..models import Article, MakeUpStudy, SessionMaterial, StudySession
from ..reports import materials_prefetch

NEXT_SESSIONS = 3
OPEN_MAKE_UPS = 5
NEW_MATERIALS = 5
RECENT_RECORDS = 3


@require_GET
def home(request):
    user = request.user
    memberships = list(
        Membership.objects.filter(member=user)
        .select_related("group")
        .order_by("group__name")
    )
    mine = StudySession.objects.filter(group__memberships__member=user)
    next_sessions = list(
        mine.upcoming()
        .select_related("group", "host")
        .prefetch_related(materials_prefetch())[:NEXT_SESSIONS]
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
                queryset=SessionMaterial.objects.select_related("article"),
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
    return render(
        request,
        "articles/home.html",
        {
            "memberships": memberships,
            "next_sessions": next_sessions,
            "recent_sessions": recent,
            "make_ups": make_ups,
            "new_materials": new_materials,
        },
    )
