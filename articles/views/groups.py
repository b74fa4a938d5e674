"""A group's year: statistics, the annual plan, the attendance sheet and the dossier;
and a member's study archive."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Membership, StudyGroup
from accounts.services import move_membership
from studyhub.params import query_id, query_year

from .. import services
from ..access import (
    KEEPER_ROLES,
    can_keep_record,
    get_group_for,
    get_member_for_archive,
)
from ..forms.sessions import PlanItemForm
from ..models import (
    Annotation,
    Article,
    Attendance,
    DiscussionNote,
    PlanItem,
    ReadingProgress,
    Reflection,
    StudyPlan,
    StudySession,
)
from ..reading import cache
from ..records.docx import dossier_docx
from ..records.fragments import render_record_fragment, roles_key
from ..records.reads import group_year, percent, plan_materials_prefetch
from ..records.xlsx import attendance_xlsx
from .sessions import DOCX, attachment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_WIDTH = 440
BAR_ROW = 30


ARCHIVE_ANNOTATIONS_PER_PAGE = 20


def _year(request) -> int:
    this_year = timezone.localdate().year
    year = query_year(request.GET)
    if year is not None and year <= this_year + 1:
        return year
    return this_year


def _years(group) -> list[int]:
    this_year = timezone.localdate().year
    found = {
        d.year
        for d in StudySession.objects.filter(group=group).dates("starts_at", "year")
    }
    return sorted(found | {this_year}, reverse=True)


def _member_chart(stats) -> dict:
    """Horizontal bars of each member's rate with the threshold line, as numbers
    for an SVG drawn by the template (no inline style: a strict CSP is coming)."""
    # Room on the right for the widest value label ("100.0%" at 16px).
    label_width, bar_width = 90, CHART_WIDTH - 90 - 72
    bars = []
    for index, person in enumerate(stats.members):
        rate = person.rate or 0
        bars.append(
            {
                "name": person.member.name,
                "rate": person.rate,
                "y": index * BAR_ROW + 8,
                "text_y": index * BAR_ROW + 24,
                "width": round(bar_width * rate / 100),
                "below": person.below,
                "value_x": label_width + round(bar_width * rate / 100) + 6,
            }
        )
    height = max(1, len(bars)) * BAR_ROW + 24
    threshold_x = label_width + round(
        bar_width * stats.thresholds.min_attendance_rate / 100
    )
    return {
        "width": CHART_WIDTH,
        "height": height,
        "label_width": label_width,
        "bar_width": bar_width,
        "bars": bars,
        "threshold_x": threshold_x,
        "axis_y": height - 16,
    }


def _month_chart(stats) -> dict:
    column = 34
    months = []
    for index, month in enumerate(stats.months):
        x = 8 + index * column
        months.append(
            {
                **month,
                "x": x + 4,
                "label_x": x + column // 2,
                "held_y": 130 - month["held_height"],
                "planned_y": 130 - month["planned_height"],
                "held_x": x + column // 2,
            }
        )
    return {"width": 16 + 12 * column, "height": 156, "months": months}


def _group_and_role(user, pk: int):
    """The group of the user's (404 otherwise, as ``get_group_for``) and whether
    they keep its record, in one query."""
    membership = (
        Membership.objects.filter(member=user, group_id=pk)
        .select_related("group")
        .first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        return get_group_for(user, pk), False  # 404, logged as access_denied
    return membership.group, membership.leads


@require_GET
def group_statistics(request, pk: int):
    group, keeps_record = _group_and_role(request.user, pk)
    year = _year(request)

    def build() -> dict:
        stats = group_year(group, year)
        return {
            "group": group,
            "year": year,
            "years": _years(group),
            "stats": stats,
            "held_rate": percent(stats.held_count, stats.planned_count or 0),
            "member_chart": _member_chart(stats),
            "month_chart": _month_chart(stats),
            "keeps_record": keeps_record,
        }

    content, built = render_record_fragment(
        request,
        "group-statistics",
        [cache.records(group.pk), cache.group(group.pk), cache.PEOPLE],
        "articles/sessions/_group_statistics.html",
        build,
        roles_key([(group.pk, keeps_record)]),
        year,
        timezone.localdate().year,
    )
    return render(
        request,
        "articles/sessions/group_statistics.html",
        {**(built or {}), "group": group, "year": year, "content": content},
    )


@require_GET
def group_attendance_xlsx(request, pk: int, year: int):
    group = get_group_for(request.user, pk)
    stats = group_year(group, year)
    return attachment(attendance_xlsx(stats), XLSX, f"{group.name}-{year}年考勤表.xlsx")


@require_GET
def group_dossier_docx(request, pk: int, year: int):
    group = get_group_for(request.user, pk, write=True)
    stats = group_year(group, year)
    return attachment(dossier_docx(stats), DOCX, f"{group.name}-{year}年学习档案.docx")


@require_http_methods(["GET", "POST"])
def group_plan(request, pk: int):
    group = get_group_for(request.user, pk)
    year = _year(request)
    keeps_record = can_keep_record(request.user, group)
    form = PlanItemForm(request.POST or None)
    if request.method == "POST":
        if not keeps_record:
            raise PermissionDenied
        if form.is_valid():
            services.add_plan_item(group, year, **form.cleaned_data)
            messages.success(request, _("The topic was added to the plan."))
            return redirect(f"{request.path}?year={year}")
    plan = (
        StudyPlan.objects.filter(group=group, year=year)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=PlanItem.objects.prefetch_related(plan_materials_prefetch()),
            )
        )
        .first()
    )
    items = list(plan.items.all()) if plan else []
    sessions = list(
        StudySession.objects.filter(group=group)
        .in_year(year)
        .order_by("starts_at")
        .only("pk", "topic", "starts_at", "ends_at", "status")
    )
    months = []
    for month in range(1, 13):
        planned = [i for i in items if i.month == month]
        held = [s for s in sessions if timezone.localtime(s.starts_at).month == month]
        if planned or held:
            months.append({"month": month, "planned": planned, "sessions": held})
    return render(
        request,
        "articles/sessions/group_plan.html",
        {
            "group": group,
            "year": year,
            "years": _years(group),
            "months": months,
            "plan": plan,
            "form": form,
            "keeps_record": keeps_record,
            "held_count": sum(1 for s in sessions if s.status != "planned"),
            "planned_count": len(items),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def plan_item_edit(request, pk: int, item_pk: int):
    """A record keeper changes a planned topic's month, wording or materials."""
    group = get_group_for(request.user, pk, write=True)
    item = get_object_or_404(
        PlanItem.objects.select_related("plan"), plan__group=group, pk=item_pk
    )
    form = PlanItemForm(
        request.POST or None,
        initial={
            "month": item.month,
            "topic": item.topic,
            "materials": list(item.materials.published()),
        },
    )
    plan_url = reverse("articles:group_plan", args=[group.pk])
    plan_url = f"{plan_url}?year={item.plan.year}"
    if request.method == "POST" and form.is_valid():
        services.edit_plan_item(item, **form.cleaned_data)
        messages.success(request, _("The planned topic was saved."))
        return redirect(plan_url)
    return render(
        request,
        "articles/sessions/plan_item_form.html",
        {"group": group, "item": item, "form": form, "plan_url": plan_url},
        status=400 if form.errors else 200,
    )


@require_POST
def plan_item_delete(request, pk: int, item_pk: int):
    group = get_group_for(request.user, pk, write=True)
    item = PlanItem.objects.filter(plan__group=group, pk=item_pk).first()
    year = item.plan.year if item else timezone.localdate().year
    if item:
        services.delete_plan_item(item)
        messages.success(request, _("The topic was removed from the plan."))
    return redirect(f"{reverse('articles:group_plan', args=[group.pk])}?year={year}")


@require_GET
def group_member_order(request, pk: int):
    """The group's position order (按职务排序), set by its record keepers.

    It sits with the group's pages in articles (same access rule, links from the
    statistics and the session list), while the order itself and its writes stay
    in accounts, the base layer. Up and down are plain POST forms: no JavaScript.
    """
    group = get_group_for(request.user, pk, write=True)
    memberships = list(
        Membership.objects.filter(group=group)
        .select_related("member")
        .in_position_order()
    )
    return render(
        request,
        "articles/sessions/group_member_order.html",
        {"group": group, "memberships": memberships},
    )


@require_POST
def group_member_move(request, pk: int, membership_pk: int):
    group = get_group_for(request.user, pk, write=True)
    membership = get_object_or_404(
        Membership.objects.select_related("member", "group"),
        group=group,
        pk=membership_pk,
    )
    up = request.POST.get("direction") != "down"
    name = membership.member.name
    if move_membership(membership, up=up):
        if up:
            messages.success(request, _("%(name)s moved up.") % {"name": name})
        else:
            messages.success(request, _("%(name)s moved down.") % {"name": name})
    elif up:
        messages.info(request, _("%(name)s is already first.") % {"name": name})
    else:
        messages.info(request, _("%(name)s is already last.") % {"name": name})
    url = reverse("articles:group_member_order", args=[group.pk])
    return redirect(f"{url}#m-{membership.pk}")


@require_GET
def member_archive(request, pk: int | None = None):
    person = get_member_for_archive(request.user, pk or request.user.pk)
    year = _year(request)
    page_number = query_id(request.GET, "page")
    own = person == request.user
    # The groups both belong to, with whether the viewer keeps each one's record
    # (a keeper reads every reflection of their group, a member the shared ones):
    # what the archive shows follows from these, so they are its key.
    shared = [
        (group_id, role in KEEPER_ROLES)
        for group_id, role in Membership.objects.filter(
            member=request.user,
            group__in=StudyGroup.objects.shared_by(request.user, person).values("pk"),
        ).values_list("group_id", "role")
    ]

    def build() -> dict:
        return _archive(request, person, year, page_number)

    content, built = render_record_fragment(
        request,
        "member-archive",
        [
            *(cache.records(group_id) for group_id, _keeps in shared),
            *(cache.group(group_id) for group_id, _keeps in shared),
            cache.member(person.pk),
            cache.archive(person.pk),
            cache.PEOPLE,
            cache.LIBRARY,
        ],
        "articles/sessions/_member_archive.html",
        build,
        person.pk,
        own,
        roles_key(shared),
        request.user.is_staff,
        year,
        page_number,
        timezone.localdate().year,
    )
    return render(
        request,
        "articles/sessions/member_archive.html",
        {**(built or {}), "person": person, "year": year, "content": content},
    )


def _archive(request, person, year: int, page_number) -> dict:
    # Everything below is the person's activity as the VIEWER may see it: in the
    # groups both belong to (activity_of), so a keeper of group A learns nothing
    # of what the person did in group B; the person sees all of their own.
    # Annotations: a leader sees what the member shared with a group they share,
    # never the member's private notes.
    their_attendances = Attendance.objects.activity_of(person, request.user)
    attendances = list(
        their_attendances.filter(session__starts_at__year=year)
        .exclude(session__status=StudySession.Status.PLANNED)
        .select_related("session__group", "make_up")
        .order_by("session__starts_at")
    )
    speeches = list(
        DiscussionNote.objects.activity_of(person, request.user)
        .filter(
            session__starts_at__year=year,
            status=DiscussionNote.Status.FINAL,
        )
        .select_related("session")
        .order_by("session__starts_at", "position")
    )
    their_annotations = Annotation.objects.activity_of(person, request.user).live()
    # A year of annotations can run to hundreds: one page of them at a time, in the
    # order they were written (the figure above counts them all).
    annotations = Paginator(
        their_annotations.filter(created_at__year=year)
        .select_related("group", "paragraph__article")
        .order_by("created_at", "pk"),
        ARCHIVE_ANNOTATIONS_PER_PAGE,
    ).get_page(page_number)
    their_studies = ReadingProgress.objects.of_member(person).filter(
        article__in=Article.objects.visible_to(request.user)
    )
    studied = list(
        their_studies.filter(studied_at__year=year)
        .select_related("article")
        .order_by("studied_at", "pk")
    )
    # Reflections: the person's, as the viewer may read them (visible_to).
    reflections = list(
        Reflection.objects.activity_of(person, request.user)
        .filter(session__starts_at__year=year)
        .select_related("session__group")
        .order_by("session__starts_at", "pk")
    )
    attended = [a for a in attendances if a.attended]
    missed = [a for a in attendances if not a.attended]
    # The years with any of it, in one query (UNION of the three).
    active_years = (
        their_attendances.dates("session__starts_at", "year")
        .order_by()
        .union(
            their_annotations.dates("created_at", "year").order_by(),
            their_studies.dates("studied_at", "year").order_by(),
        )
    )
    years = sorted(
        {d.year for d in active_years} | {timezone.localdate().year}, reverse=True
    )
    return {
        "person": person,
        "year": year,
        "years": years,
        "attendances": attendances,
        "attended": attended,
        "missed": missed,
        "speeches": speeches,
        "annotations": annotations.object_list,
        "annotations_page": annotations,
        "studied": studied,
        "reflections": reflections,
        "rate": percent(len(attended), len(attendances)),
        "open_make_ups": [
            a for a in missed if hasattr(a, "make_up") and not a.make_up.is_done
        ],
        "own": person == request.user,
    }
