"""Every URL pattern of the project against every persona.

The patterns come from the resolver, so a new view cannot escape: a pattern without an
entry in MATRIX (or in the admin rules) fails ``test_every_url_pattern_has_an_entry``.
Each entry lists cases (a concrete URL built from the fixture data) and, per persona,
what that persona must get: the page, the login redirect, 404, 403, 405...
Every response to a non-staff persona is also searched for private text it must not
hold (drafts; other groups' names and people).

The world holds a member's private annotation, a group-shared annotation with a
reply, a session of each group (attendance, observers, a speech, a make-up item) and
an annual plan; their texts are in ``private_texts`` of everyone who may not see them.
Write endpoints are probed with requests that change nothing (refused forms, an
unknown action) so the order of personas does not matter.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from accounts.models import Membership
from articles.models import (
    Article,
    Attendance,
    Correction,
    DictionaryTerm,
    DiscussionNote,
    GroupStudySettings,
    Job,
    LeaveRequest,
    MakeUpStudy,
    Notification,
    Observer,
    PlanItem,
    Reflection,
    SessionMaterial,
    StudyPlan,
    StudySession,
)
from articles.services import hold_upload
from articles.services.reflections import check_reflection_file
from tests.articles import seed_variants

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    AttendanceFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
    ReplyFactory,
    StudySessionFactory,
)

# ``both`` is a plain member of both groups; ``staff`` a superuser in no group.
PERSONAS = [
    "anonymous",
    "outsider",
    "member",
    "secretary",
    "leader",
    "both",
    "staff",
]
GROUP_MEMBERS = ["member", "secretary", "leader"]

# Outcomes
PAGE = "page"  # 200
LOGIN = "login"  # 302 to our login page, with ?next=
ADMIN_LOGIN = "admin_login"  # 302 to the admin's login page
REDIRECT = "redirect"  # 302 anywhere else
BAD_REQUEST = 400  # a refused (here: empty) form, nothing written
NOT_FOUND = 404
FORBIDDEN = 403
NOT_ALLOWED = 405


def logged_in(outcome, anonymous=LOGIN, staff=None) -> dict[str, object]:
    """Anonymous → ``anonymous``; every logged-in persona → ``outcome``."""
    expect = {persona: outcome for persona in PERSONAS}
    expect["anonymous"] = anonymous
    if staff is not None:
        expect["staff"] = staff
    return expect


def roles(
    outsider, member, keepers, staff, anonymous=LOGIN, secretary=None, both=None
) -> dict[str, object]:
    """Per role: ``keepers`` are the secretary and the leader (they keep the
    group's record), ``member`` a plain member of the group, ``outsider`` a plain
    member of the other group. ``both`` is a plain member of either group, so by
    default gets what the member or the outsider gets where the other one gets
    404; objects personal to one of them say ``both`` explicitly."""
    if both is None:
        both = member if outsider == NOT_FOUND else outsider
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "secretary": keepers if secretary is None else secretary,
        "leader": keepers,
        "both": both,
        "staff": staff,
    }


# Our group's objects: members read, record keepers write, outsiders 404. Staff
# (even a superuser) in no group neither read nor change any group's record.
OURS = roles(NOT_FOUND, PAGE, PAGE, NOT_FOUND)
OURS_KEEPERS = roles(NOT_FOUND, FORBIDDEN, PAGE, NOT_FOUND)
# The other group's objects, from our side: its member reads, we get 404.
THEIRS = roles(PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND)
THEIRS_KEEPERS = roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND)


def everyone(outcome) -> dict[str, object]:
    return {persona: outcome for persona in PERSONAS}


def staff_only(outcome=PAGE, others=ADMIN_LOGIN, anonymous=LOGIN) -> dict[str, object]:
    """The admin: anonymous visitors of a model view meet LoginRequiredMiddleware
    first (our login page); the admin site's own views are login_not_required and
    send them to the admin login, as they do logged-in non-staff."""
    return {**everyone(others), "anonymous": anonymous, "staff": outcome}


def admin_site(outcome=PAGE) -> dict[str, object]:
    return staff_only(outcome, anonymous=ADMIN_LOGIN)


@dataclass
class Case:
    url: Callable[[SimpleNamespace], str]
    expect: dict[str, object]
    label: str = ""
    method: str = "get"
    # A POST with no data is an unbound form (``request.POST or None``): refused
    # forms are probed with a payload that fails validation.
    data: dict | Callable[[SimpleNamespace], dict] | None = None


@dataclass
class Entry:
    cases: list[Case] = field(default_factory=list)


def _first_of(group) -> int:
    return Membership.objects.filter(group=group).in_position_order().first().pk


def _first_of_ours(d) -> int:
    return _first_of(d.group)


def _first_of_theirs(d) -> int:
    return _first_of(d.other_group)


def at(name, *args):
    return lambda d: reverse(name, args=[a(d) if callable(a) else a for a in args])


def search_for(words: str):
    return lambda d: f"{reverse('articles:search')}?{urlencode({'q': words})}"


def _signin_code_url(session_of):
    """The URL the room's code of that session holds right now (issue 15)."""
    from articles.services.signin import make_code_token

    def url(d):
        session = session_of(d)
        path = reverse("articles:signin_scan", args=[session.pk])
        return f"{path}?t={make_code_token(session)}"

    return url


def _observer_entry(session):
    """An observer's entry awaiting confirmation, made when a case needs it."""
    from articles.models import ObserverEntry

    entry, _created = ObserverEntry.objects.get_or_create(
        session=session, name="扫码登记的列席人", unit="区委党校"
    )
    return entry


MATRIX: dict[str, list[Case]] = {
    # Search: a page for everyone logged in; what it finds follows the pages'
    # visibility, so searching for words of hidden texts must not show them (the
    # private_texts check below reads every response).
    "articles:search": [
        Case(search_for("新质生产力"), logged_in(PAGE)),
        Case(search_for("私人批注"), logged_in(PAGE), "a private annotation"),
        Case(search_for("分享给本组"), logged_in(PAGE), "a group annotation"),
        Case(search_for("对照检查"), logged_in(PAGE), "a reply"),
        Case(search_for("内部草稿"), logged_in(PAGE), "a draft article"),
        Case(search_for("西青"), logged_in(PAGE), "another group's record"),
        Case(search_for("新质生产力"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "admin:articles_dictionaryterm_rebuild": [
        # Rebuilding the index is a POST (it rewrites every indexed text).
        Case(at("admin:articles_dictionaryterm_rebuild"), staff_only(NOT_ALLOWED)),
        Case(
            at("admin:articles_dictionaryterm_rebuild"),
            staff_only(REDIRECT),
            method="post",
        ),
    ],
    # The home page: what to do next (sessions, make-up study, group activity).
    "home": [
        Case(at("home"), logged_in(PAGE)),
        Case(at("home"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "healthz": [
        Case(at("healthz"), everyone(PAGE)),
        Case(at("healthz"), everyone(NOT_ALLOWED), method="post"),
    ],
    "login": [Case(at("login"), everyone(PAGE))],
    "logout": [
        Case(at("logout"), logged_in(NOT_ALLOWED)),
    ],
    "password_change": [Case(at("password_change"), logged_in(PAGE))],
    "password_change_done": [Case(at("password_change_done"), logged_in(PAGE))],
    "profile": [
        Case(at("profile"), logged_in(PAGE)),
        # The e-mail setting (issue 15): on is the default, so this changes nothing.
        Case(
            at("profile"),
            logged_in(REDIRECT),
            "e-mail on",
            method="post",
            data={"email_notifications": "on"},
        ),
        Case(at("profile"), logged_in(NOT_ALLOWED), method="put"),
    ],
    "articles:list": [
        Case(at("articles:list"), logged_in(PAGE)),
        Case(at("articles:list"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:detail": [
        Case(
            at("articles:detail", lambda d: d.published.pk),
            logged_in(PAGE),
            "published",
        ),
        Case(
            at("articles:detail", lambda d: d.draft.pk),
            logged_in(NOT_FOUND, staff=PAGE),
            "draft",
        ),
        Case(at("articles:detail", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:detail", lambda d: d.published.pk),
            logged_in(NOT_ALLOWED),
            "published",
            method="post",
        ),
    ],
    "articles:theme": [
        Case(at("articles:theme", "党建引领"), logged_in(PAGE), "published theme"),
        # A theme that only hidden things carry is not even hinted at.
        Case(
            at("articles:theme", "内部草稿主题"),
            logged_in(NOT_FOUND, staff=PAGE),
            "draft-only theme",
        ),
        Case(
            at("articles:theme", lambda d: d.private_theme.slug),
            roles(NOT_FOUND, PAGE, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "carried by a private annotation only",
        ),
        Case(
            at("articles:theme", lambda d: d.shared_theme.slug),
            roles(NOT_FOUND, PAGE, PAGE, NOT_FOUND),
            "carried by a group annotation only",
        ),
        Case(at("articles:theme", "没有这个主题"), logged_in(NOT_FOUND), "missing"),
    ],
    # --- annotations, replies, reading progress and exports (issue 3) ---
    "articles:annotation_create": [
        Case(
            at("articles:annotation_create", lambda d: d.paragraph.pk),
            logged_in(NOT_ALLOWED),
            "published",
        ),
        Case(
            at("articles:annotation_create", lambda d: d.paragraph.pk),
            logged_in(BAD_REQUEST),
            "published, refused form",
            method="post",
            data={"note": ""},
        ),
        Case(
            at("articles:annotation_create", lambda d: d.draft_paragraph.pk),
            logged_in(NOT_FOUND, staff=BAD_REQUEST),
            "draft, refused form",
            method="post",
            data={"note": ""},
        ),
    ],
    "articles:annotation": [
        Case(
            at("articles:annotation", lambda d: d.private_annotation.pk),
            roles(NOT_FOUND, REDIRECT, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "private",
        ),
        Case(
            at("articles:annotation", lambda d: d.shared_annotation.pk),
            roles(NOT_FOUND, REDIRECT, REDIRECT, NOT_FOUND),
            "shared with our group",
        ),
        Case(at("articles:annotation", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:annotation", lambda d: d.shared_annotation.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:annotation_edit": [
        Case(
            at("articles:annotation_edit", lambda d: d.private_annotation.pk),
            roles(NOT_FOUND, PAGE, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "private",
        ),
        Case(
            at("articles:annotation_edit", lambda d: d.private_annotation.pk),
            roles(NOT_FOUND, BAD_REQUEST, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "private, refused form",
            method="post",
            data={"note": ""},
        ),
        Case(
            at("articles:annotation_edit", lambda d: d.shared_annotation.pk),
            roles(NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, secretary=FORBIDDEN)
            | {"leader": PAGE},
            "the leader's, shared",
        ),
        # 405 comes before any lookup, so it tells nothing about the object.
        Case(
            at("articles:annotation_edit", lambda d: d.shared_annotation.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    "articles:annotation_delete": [
        Case(
            at("articles:annotation_delete", lambda d: d.private_annotation.pk),
            roles(NOT_FOUND, PAGE, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "private",
        ),
        Case(
            at("articles:annotation_delete", lambda d: d.shared_annotation.pk),
            roles(NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND) | {"leader": PAGE},
            "the leader's, shared",
        ),
        Case(
            at("articles:annotation_delete", lambda d: d.shared_annotation.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    "articles:reply_create": [
        Case(
            at("articles:reply_create", lambda d: d.shared_annotation.pk),
            logged_in(NOT_ALLOWED),
        ),
        Case(
            at("articles:reply_create", lambda d: d.shared_annotation.pk),
            roles(NOT_FOUND, BAD_REQUEST, BAD_REQUEST, NOT_FOUND),
            "shared, refused form",
            method="post",
            data={"text": ""},
        ),
        Case(
            at("articles:reply_create", lambda d: d.private_annotation.pk),
            roles(NOT_FOUND, BAD_REQUEST, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "private, refused form",
            method="post",
            data={"text": ""},
        ),
    ],
    "articles:reply_edit": [
        Case(
            at("articles:reply_edit", lambda d: d.reply.pk),
            roles(NOT_FOUND, PAGE, FORBIDDEN, NOT_FOUND, both=FORBIDDEN),
            "the member's reply",
        ),
        Case(
            at("articles:reply_edit", lambda d: d.reply.pk),
            roles(NOT_FOUND, BAD_REQUEST, FORBIDDEN, NOT_FOUND, both=FORBIDDEN),
            "refused form",
            method="post",
            data={"text": ""},
        ),
    ],
    "articles:reply_delete": [
        Case(
            at("articles:reply_delete", lambda d: d.reply.pk),
            roles(NOT_FOUND, PAGE, FORBIDDEN, NOT_FOUND, both=FORBIDDEN),
            "the member's reply",
        ),
        Case(
            at("articles:reply_delete", lambda d: d.reply.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    "articles:article_studied": [
        Case(
            at("articles:article_studied", lambda d: d.published.pk),
            logged_in(NOT_ALLOWED),
        ),
        Case(
            at("articles:article_studied", lambda d: d.published.pk),
            logged_in(REDIRECT),
            "published",
            method="post",
        ),
        Case(
            at("articles:article_studied", lambda d: d.draft.pk),
            logged_in(NOT_FOUND, staff=REDIRECT),
            "draft",
            method="post",
        ),
    ],
    **{
        name: [
            Case(at(name, lambda d: d.published.pk), logged_in(PAGE), "published"),
            Case(
                at(name, lambda d: d.draft.pk),
                logged_in(NOT_FOUND, staff=PAGE),
                "draft",
            ),
            Case(at(name, 999999), logged_in(NOT_FOUND), "missing"),
            Case(
                at(name, lambda d: d.published.pk),
                logged_in(NOT_ALLOWED),
                method="post",
            ),
        ]
        for name in [
            "articles:annotations_jsonld",
            "articles:annotations_markdown",
            "articles:handout",
        ]
    },
    "articles:my_annotations": [
        Case(at("articles:my_annotations"), logged_in(PAGE)),
        Case(at("articles:my_annotations"), logged_in(NOT_ALLOWED), method="post"),
    ],
    # --- study sessions, attendance, speeches, the group's year (issue 4) ---
    "articles:session_list": [
        Case(at("articles:session_list"), logged_in(PAGE)),
        Case(
            lambda d: reverse("articles:session_list") + f"?group={d.other_group.pk}",
            logged_in(PAGE),
            "filtered by the other group",
        ),
        Case(at("articles:session_list"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:session_detail": [
        Case(at("articles:session_detail", lambda d: d.session.pk), OURS, "ours"),
        Case(
            at("articles:session_detail", lambda d: d.their_session.pk),
            THEIRS,
            "theirs",
        ),
        Case(at("articles:session_detail", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:session_detail", lambda d: d.session.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    **{
        name: [
            Case(at(name, lambda d: d.session.pk), OURS_KEEPERS, "ours"),
            Case(at(name, lambda d: d.their_session.pk), THEIRS_KEEPERS, "theirs"),
            Case(
                at(name, lambda d: d.their_session.pk),
                THEIRS_KEEPERS,
                "theirs, refused form",
                method="post",
                data=lambda d: {"topic": "", f"status-{d.outsider.pk}": "bogus"},
            ),
            Case(
                at(name, lambda d: d.session.pk),
                logged_in(NOT_ALLOWED),
                method="put",
            ),
        ]
        for name in ["articles:session_edit", "articles:session_attendance"]
    },
    "articles:session_status": [
        Case(
            at("articles:session_status", lambda d: d.session.pk),
            logged_in(NOT_ALLOWED),
        ),
        Case(
            at("articles:session_status", lambda d: d.session.pk),
            roles(NOT_FOUND, FORBIDDEN, REDIRECT, NOT_FOUND),
            "ours, unknown action",
            method="post",
        ),
        Case(
            at("articles:session_status", lambda d: d.their_session.pk),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs, unknown action",
            method="post",
        ),
    ],
    "articles:material_paragraphs": [
        # A material taken back to draft: nobody opens its paragraphs here.
        Case(
            at(
                "articles:material_paragraphs",
                lambda d: d.session.pk,
                lambda d: d.withdrawn.pk,
            ),
            roles(NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND),
            "withdrawn material",
        ),
        Case(
            at(
                "articles:material_paragraphs",
                lambda d: d.session.pk,
                lambda d: d.withdrawn.pk,
            ),
            roles(NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND),
            "withdrawn material",
            method="post",
        ),
        Case(
            at(
                "articles:material_paragraphs",
                lambda d: d.session.pk,
                lambda d: d.published.pk,
            ),
            OURS_KEEPERS,
            "ours",
        ),
        Case(
            at(
                "articles:material_paragraphs",
                lambda d: d.their_session.pk,
                lambda d: d.published.pk,
            ),
            THEIRS_KEEPERS,
            "theirs",
        ),
        Case(
            at(
                "articles:material_paragraphs",
                lambda d: d.session.pk,
                lambda d: d.draft.pk,
            ),
            roles(NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND),
            "not a material of the session",
        ),
        Case(
            at(
                "articles:material_paragraphs",
                lambda d: d.session.pk,
                lambda d: d.published.pk,
            ),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    **{
        name: [
            Case(at(name, lambda d: d.session.pk), OURS, "ours"),
            Case(at(name, lambda d: d.their_session.pk), THEIRS, "theirs"),
            Case(
                at(name, lambda d: d.session.pk),
                logged_in(NOT_ALLOWED),
                method="post",
            ),
        ]
        for name in [
            "articles:sign_in_sheet",
            "articles:sign_in_docx",
            "articles:session_docx",
        ]
    },
    "articles:note_create": [
        Case(at("articles:note_create", lambda d: d.session.pk), OURS, "ours"),
        # Their record is archived: a member may no longer draft, and is sent back.
        Case(
            at("articles:note_create", lambda d: d.their_session.pk),
            THEIRS | {"outsider": REDIRECT, "both": REDIRECT},
            "theirs, archived",
        ),
        Case(
            at("articles:note_create", lambda d: d.their_session.pk),
            roles(REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs (archived), refused form",
            method="post",
            data={"content": ""},
        ),
        Case(
            at("articles:note_create", lambda d: d.session.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    # A speech's permalink: to its place in the record for whoever may read it.
    "articles:note_in_record": [
        Case(
            at("articles:note_in_record", lambda d: d.draft_note.pk),
            roles(NOT_FOUND, REDIRECT, REDIRECT, NOT_FOUND, both=NOT_FOUND),
            "the member's draft",
        ),
        Case(
            at("articles:note_in_record", lambda d: d.note.pk),
            roles(NOT_FOUND, REDIRECT, REDIRECT, NOT_FOUND),
        ),
        Case(
            at("articles:note_in_record", lambda d: d.their_note.pk),
            roles(REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        ),
        Case(
            at("articles:note_in_record", lambda d: d.note.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:note_edit": [
        # Another member's draft speech is 404 on every verb, as a missing id.
        *[
            Case(
                at("articles:note_edit", lambda d: d.draft_note.pk),
                roles(NOT_FOUND, expect, expect, NOT_FOUND, both=NOT_FOUND),
                "the member's draft",
                method=method,
                data={"content": ""},
            )
            for method, expect in [("get", PAGE), ("post", BAD_REQUEST)]
        ],
        Case(at("articles:note_edit", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:note_edit", lambda d: d.note.pk),
            OURS_KEEPERS,
            "a final speech of the member",
        ),
        Case(
            at("articles:note_edit", lambda d: d.their_note.pk),
            THEIRS_KEEPERS,
            "theirs",
        ),
        Case(
            at("articles:note_edit", lambda d: d.their_note.pk),
            THEIRS_KEEPERS,
            "theirs, refused form",
            method="post",
            data={"content": ""},
        ),
    ],
    "articles:note_delete": [
        Case(at("articles:note_delete", lambda d: d.note.pk), logged_in(NOT_ALLOWED)),
        Case(
            at("articles:note_delete", lambda d: d.their_note.pk),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs",
            method="post",
        ),
    ],
    "articles:note_move": [
        Case(
            at("articles:note_move", lambda d: d.draft_note.pk),
            roles(NOT_FOUND, FORBIDDEN, REDIRECT, NOT_FOUND, both=NOT_FOUND),
            "the member's draft",
            method="post",
        ),
        Case(at("articles:note_move", lambda d: d.note.pk), logged_in(NOT_ALLOWED)),
        Case(
            at("articles:note_move", lambda d: d.note.pk),
            roles(NOT_FOUND, FORBIDDEN, REDIRECT, NOT_FOUND),
            "ours",
            method="post",
        ),
        Case(
            at("articles:note_move", lambda d: d.their_note.pk),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs",
            method="post",
        ),
    ],
    "articles:make_up_list": [
        Case(at("articles:make_up_list"), logged_in(PAGE)),
        Case(at("articles:make_up_list"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:make_up_detail": [
        Case(
            at("articles:make_up_detail", lambda d: d.make_up.pk),
            roles(NOT_FOUND, PAGE, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "the member's",
        ),
        Case(
            at("articles:make_up_detail", lambda d: d.their_make_up.pk),
            roles(PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "the outsider's",
        ),
        Case(
            at("articles:make_up_detail", lambda d: d.make_up.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    # --- reflections (issue 15) ---
    # The member's private reflection: its author and our keepers; the shared one
    # (the secretary's): our group; the outsider's: the outsider alone.
    "articles:my_reflections": [
        Case(at("articles:my_reflections"), logged_in(PAGE)),
        Case(at("articles:my_reflections"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:session_reflections": [
        Case(at("articles:session_reflections", lambda d: d.session.pk), OURS),
        Case(
            at("articles:session_reflections", lambda d: d.their_session.pk),
            THEIRS,
            "theirs",
        ),
        Case(
            at("articles:session_reflections", 999999),
            logged_in(NOT_FOUND),
            "missing",
        ),
        Case(
            at("articles:session_reflections", lambda d: d.session.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:reflection_hand_in": [
        # Everyone expected at the session (an attendance row) may hand in.
        Case(at("articles:reflection_hand_in", lambda d: d.session.pk), OURS),
        Case(
            at("articles:reflection_hand_in", lambda d: d.session.pk),
            roles(NOT_FOUND, BAD_REQUEST, BAD_REQUEST, NOT_FOUND),
            "refused form",
            method="post",
            data={"text": "长" * 50_001},
        ),
        Case(
            at("articles:reflection_hand_in", lambda d: d.their_session.pk),
            roles(PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=PAGE),
            "theirs",
        ),
        Case(
            at("articles:reflection_hand_in", lambda d: d.session.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    "articles:reflection_detail": [
        Case(
            at("articles:reflection_detail", lambda d: d.reflection.pk),
            roles(NOT_FOUND, PAGE, PAGE, NOT_FOUND, both=NOT_FOUND),
            "the member's, private",
        ),
        Case(
            at("articles:reflection_detail", lambda d: d.shared_reflection.pk),
            OURS,
            "shared with our group",
        ),
        Case(
            at("articles:reflection_detail", lambda d: d.their_reflection.pk),
            roles(PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "the outsider's, private",
        ),
        Case(at("articles:reflection_detail", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:reflection_detail", lambda d: d.reflection.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:reflection_file": [
        Case(
            at("articles:reflection_file", lambda d: d.reflection.pk),
            roles(NOT_FOUND, PAGE, PAGE, NOT_FOUND, both=NOT_FOUND),
            "the member's, private",
        ),
        Case(
            at("articles:reflection_file", lambda d: d.shared_reflection.pk),
            logged_in(NOT_FOUND),
            "no file",
        ),
        Case(
            at("articles:reflection_file", lambda d: d.reflection.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:reflection_share": [
        # An empty POST keeps the private one private: nothing changes.
        Case(
            at("articles:reflection_share", lambda d: d.reflection.pk),
            roles(NOT_FOUND, REDIRECT, FORBIDDEN, NOT_FOUND, both=NOT_FOUND),
            "the member's, private",
            method="post",
            data={},
        ),
        Case(
            at("articles:reflection_share", lambda d: d.their_reflection.pk),
            roles(REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "the outsider's",
            method="post",
            data={},
        ),
        Case(
            at("articles:reflection_share", lambda d: d.reflection.pk),
            logged_in(NOT_ALLOWED),
        ),
    ],
    "articles:session_create": [
        Case(at("articles:session_create", lambda d: d.group.pk), OURS_KEEPERS),
        Case(
            at("articles:session_create", lambda d: d.other_group.pk),
            THEIRS_KEEPERS,
            "the other group",
        ),
        Case(
            at("articles:session_create", 999999),
            logged_in(NOT_FOUND),
            "missing",
        ),
        Case(
            at("articles:session_create", lambda d: d.group.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    "articles:group_statistics": [
        Case(at("articles:group_statistics", lambda d: d.group.pk), OURS, "ours"),
        Case(
            at("articles:group_statistics", lambda d: d.other_group.pk),
            THEIRS,
            "theirs",
        ),
        Case(
            at("articles:group_statistics", lambda d: d.group.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:group_plan": [
        Case(at("articles:group_plan", lambda d: d.group.pk), OURS, "ours"),
        Case(at("articles:group_plan", lambda d: d.other_group.pk), THEIRS, "theirs"),
        Case(
            at("articles:group_plan", lambda d: d.group.pk),
            roles(NOT_FOUND, FORBIDDEN, BAD_REQUEST, NOT_FOUND),
            "ours, refused form",
            method="post",
            data={"topic": ""},
        ),
    ],
    "articles:plan_item_edit": [
        Case(
            at("articles:plan_item_edit", lambda d: d.group.pk, lambda d: d.item.pk),
            OURS_KEEPERS,
            "ours",
        ),
        Case(
            at("articles:plan_item_edit", lambda d: d.group.pk, lambda d: d.item.pk),
            roles(NOT_FOUND, FORBIDDEN, BAD_REQUEST, NOT_FOUND),
            "ours, refused form",
            method="post",
            data={"topic": ""},
        ),
        Case(
            at(
                "articles:plan_item_edit",
                lambda d: d.other_group.pk,
                lambda d: d.item.pk,
            ),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "our item under their group's id",
        ),
    ],
    "articles:plan_item_delete": [
        Case(
            at("articles:plan_item_delete", lambda d: d.group.pk, lambda d: d.item.pk),
            logged_in(NOT_ALLOWED),
        ),
        Case(
            at("articles:plan_item_delete", lambda d: d.other_group.pk, 999999),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs, no such item",
            method="post",
        ),
        Case(
            at(
                "articles:plan_item_delete",
                lambda d: d.other_group.pk,
                lambda d: d.item.pk,
            ),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "our item under their group's id",
            method="post",
        ),
    ],
    "articles:group_member_order": [
        Case(at("articles:group_member_order", lambda d: d.group.pk), OURS_KEEPERS),
        Case(
            at("articles:group_member_order", lambda d: d.other_group.pk),
            THEIRS_KEEPERS,
            "theirs",
        ),
    ],
    "articles:group_member_move": [
        Case(
            at("articles:group_member_move", lambda d: d.group.pk, _first_of_ours),
            logged_in(NOT_ALLOWED),
        ),
        Case(
            at("articles:group_member_move", lambda d: d.group.pk, _first_of_ours),
            # Staff keep no group's record: outside the group, 404 as anyone.
            roles(NOT_FOUND, FORBIDDEN, REDIRECT, NOT_FOUND),
            "ours, the first moved up (no change)",
            method="post",
            data={"direction": "up"},
        ),
        Case(
            at("articles:group_member_move", lambda d: d.group.pk, _first_of_theirs),
            roles(NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND),
            "their membership under our group's id",
            method="post",
            data={"direction": "up"},
        ),
    ],
    "articles:group_attendance_xlsx": [
        Case(
            at("articles:group_attendance_xlsx", lambda d: d.group.pk, 2025),
            OURS,
            "ours",
        ),
        Case(
            at("articles:group_attendance_xlsx", lambda d: d.other_group.pk, 2025),
            THEIRS,
            "theirs",
        ),
    ],
    "articles:group_dossier_docx": [
        Case(
            at("articles:group_dossier_docx", lambda d: d.group.pk, 2025),
            OURS_KEEPERS,
            "ours",
        ),
        Case(
            at("articles:group_dossier_docx", lambda d: d.other_group.pk, 2025),
            THEIRS_KEEPERS,
            "theirs",
        ),
    ],
    "articles:my_archive": [
        Case(at("articles:my_archive"), logged_in(PAGE)),
        Case(at("articles:my_archive"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:member_archive": [
        Case(
            at("articles:member_archive", lambda d: d.member.pk),
            roles(NOT_FOUND, PAGE, PAGE, NOT_FOUND, both=NOT_FOUND),
            "the member's",
        ),
        Case(
            at("articles:member_archive", lambda d: d.leader.pk),
            roles(NOT_FOUND, NOT_FOUND, PAGE, NOT_FOUND),
            "the leader's",
        ),
        Case(
            at("articles:member_archive", lambda d: d.outsider.pk),
            roles(PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "the outsider's",
        ),
        # In two groups: our keepers open it and see only what happened in ours.
        Case(
            at("articles:member_archive", lambda d: d.both.pk),
            roles(NOT_FOUND, NOT_FOUND, PAGE, NOT_FOUND, both=PAGE),
            "the person in both groups",
        ),
        *[
            Case(
                lambda d, year=year: (
                    reverse("articles:member_archive", args=[d.both.pk])
                    + f"?year={year}"
                ),
                roles(NOT_FOUND, NOT_FOUND, PAGE, NOT_FOUND, both=PAGE),
                f"the person in both groups, year {year}",
            )
            for year in [2025, 2026]
        ],
        Case(at("articles:member_archive", 999999), logged_in(NOT_FOUND), "missing"),
    ],
    # --- sign-in at the meeting by the room's code (issue 15) ---
    # The code's page answers a current code before anything else: anyone holding
    # one (they saw the room's screen) is sent on, a non-member gets the 404 of a
    # missing session; an invalid code says so, naming no session.
    "articles:signin_scan": [
        Case(at("articles:signin_scan", lambda d: d.session.pk), OURS, "ours"),
        Case(
            _signin_code_url(lambda d: d.session),
            roles(NOT_FOUND, REDIRECT, REDIRECT, NOT_FOUND, anonymous=REDIRECT),
            "a current code of ours",
        ),
        Case(
            _signin_code_url(lambda d: d.their_session),
            roles(REDIRECT, NOT_FOUND, NOT_FOUND, NOT_FOUND, anonymous=REDIRECT),
            "a current code of theirs",
        ),
        Case(
            lambda d: reverse("articles:signin_scan", args=[d.session.pk]) + "?t=x",
            everyone(BAD_REQUEST),
            "an invalid code",
        ),
        Case(
            at("articles:signin_scan", lambda d: d.session.pk),
            roles(NOT_FOUND, BAD_REQUEST, BAD_REQUEST, NOT_FOUND),
            "ours, no code scanned",
            method="post",
        ),
        Case(
            at("articles:signin_scan", lambda d: d.session.pk),
            everyone(NOT_ALLOWED),
            method="put",
        ),
    ],
    # Observers without an account: only after a current scan in the same browser.
    "articles:signin_observer": [
        Case(
            at("articles:signin_observer", lambda d: d.session.pk),
            everyone(NOT_ALLOWED),
        ),
        Case(
            at("articles:signin_observer", lambda d: d.session.pk),
            roles(NOT_FOUND, BAD_REQUEST, BAD_REQUEST, NOT_FOUND),
            "ours, no code scanned",
            method="post",
            data={"name": ""},
        ),
        Case(
            at("articles:signin_observer", lambda d: d.their_session.pk),
            roles(BAD_REQUEST, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs, no code scanned",
            method="post",
            data={"name": ""},
        ),
    ],
    **{
        name: [
            Case(at(name, lambda d: d.session.pk), OURS_KEEPERS, "ours"),
            Case(at(name, lambda d: d.their_session.pk), THEIRS_KEEPERS, "theirs"),
            Case(at(name, 999999), logged_in(NOT_FOUND), "missing"),
            Case(
                at(name, lambda d: d.session.pk),
                logged_in(NOT_ALLOWED),
                method="post",
            ),
        ]
        for name in [
            "articles:signin_screen",
            "articles:signin_code",
            "articles:signin_board",
        ]
    },
    "articles:signin_observer_decide": [
        Case(
            at(
                "articles:signin_observer_decide",
                lambda d: d.session.pk,
                lambda d: _observer_entry(d.session).pk,
            ),
            logged_in(NOT_ALLOWED),
        ),
        Case(
            at(
                "articles:signin_observer_decide",
                lambda d: d.session.pk,
                lambda d: _observer_entry(d.session).pk,
            ),
            roles(NOT_FOUND, FORBIDDEN, REDIRECT, NOT_FOUND),
            "ours, unknown action",
            method="post",
        ),
        Case(
            at(
                "articles:signin_observer_decide",
                lambda d: d.their_session.pk,
                lambda d: _observer_entry(d.their_session).pk,
            ),
            roles(FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
            "theirs, unknown action",
            method="post",
        ),
        Case(
            at(
                "articles:signin_observer_decide",
                lambda d: d.session.pk,
                lambda d: _observer_entry(d.their_session).pk,
            ),
            roles(NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND),
            "their entry under our session's id",
            method="post",
            data={"action": "confirm"},
        ),
    ],
    # --- notifications (issue 15): one's own inbox; another's notification is 404 ---
    "articles:notifications": [
        Case(at("articles:notifications"), logged_in(PAGE)),
        Case(at("articles:notifications"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:notification_open": [
        Case(
            at("articles:notification_open", lambda d: d.notification.pk),
            roles(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND) | {"leader": REDIRECT},
            "the leader's",
        ),
        Case(at("articles:notification_open", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:notification_open", lambda d: d.notification.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:notifications_read": [
        Case(at("articles:notifications_read"), logged_in(NOT_ALLOWED)),
        Case(at("articles:notifications_read"), logged_in(REDIRECT), method="post"),
    ],
    # --- admin site views (model views are covered by ADMIN_MODEL_VIEWS below) ---
    "admin:index": [Case(at("admin:index"), admin_site())],
    "admin:login": [
        Case(at("admin:login"), logged_in(PAGE, anonymous=PAGE, staff=REDIRECT))
    ],
    "admin:logout": [
        # Logout is POST only; the admin first sends non-staff to its index.
        Case(at("admin:logout"), logged_in(REDIRECT, ADMIN_LOGIN, NOT_ALLOWED))
    ],
    "admin:password_change": [Case(at("admin:password_change"), admin_site())],
    "admin:password_change_done": [
        Case(at("admin:password_change_done"), admin_site())
    ],
    "admin:autocomplete": [
        # Without its query parameters the autocomplete view refuses (403).
        Case(at("admin:autocomplete"), admin_site(FORBIDDEN))
    ],
    "admin:jsi18n": [Case(at("admin:jsi18n"), admin_site())],
    "admin:view_on_site": [
        Case(
            lambda d: reverse(
                "admin:view_on_site",
                args=[ContentType.objects.get_for_model(Article).pk, d.draft.pk],
            ),
            admin_site(REDIRECT),
        )
    ],
    "admin:app_list": [
        Case(lambda d, app=app: reverse("admin:app_list", args=[app]), admin_site())
        for app in ["auth", "taggit", "axes", "accounts", "articles"]
    ],
    "admin/(?P<url>.*)$": [
        Case(lambda d: "/admin/nothing-here/", admin_site(NOT_FOUND)),
    ],
    "admin:articles_article_import": [
        Case(at("admin:articles_article_import"), staff_only())
    ],
    # An upload's preview, then its import's progress: only the editor who
    # uploaded it (the staff persona here). A POST on a finished import changes
    # nothing and returns to the page.
    "admin:articles_article_import_job": [
        Case(
            at("admin:articles_article_import_job", lambda d: d.preview.pk),
            staff_only(),
        ),
        Case(at("admin:articles_article_import_job", lambda d: d.job.pk), staff_only()),
        Case(
            at("admin:articles_article_import_job", lambda d: d.job.pk),
            staff_only(REDIRECT),
            method="post",
        ),
    ],
    # A job's progress as JSON: staff business, missing to everyone else.
    "articles:job_progress": [
        Case(
            at("articles:job_progress", lambda d: d.job.pk),
            logged_in(NOT_FOUND, staff=PAGE),
        ),
        Case(
            at("articles:job_progress", lambda d: d.job.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "admin:taggit_tag_merge_tags": [
        Case(at("admin:taggit_tag_merge_tags"), staff_only())
    ],
    "admin:auth_user_password_change": [
        Case(at("admin:auth_user_password_change", lambda d: d.member.pk), staff_only())
    ],
    # --- leave before the meeting (issue 15) ---
    # A request is its member's and the keepers' (the secretary prepares the
    # attendance); only the leader decides; only its member withdraws. Probes
    # change nothing: refused forms, and withdrawing a request already withdrawn.
    "articles:leave_list": [
        Case(at("articles:leave_list"), logged_in(PAGE)),
        Case(at("articles:leave_list"), logged_in(NOT_ALLOWED), method="post"),
    ],
    "articles:leave_create": [
        Case(at("articles:leave_create", lambda d: d.upcoming.pk), OURS, "ours"),
        Case(
            at("articles:leave_create", lambda d: d.upcoming.pk),
            roles(NOT_FOUND, BAD_REQUEST, BAD_REQUEST, NOT_FOUND),
            "ours, refused form",
            method="post",
            data={"reason": ""},
        ),
        Case(
            at("articles:leave_create", lambda d: d.their_upcoming.pk),
            THEIRS,
            "theirs",
        ),
        Case(at("articles:leave_create", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:leave_create", lambda d: d.upcoming.pk),
            logged_in(NOT_ALLOWED),
            method="put",
        ),
    ],
    "articles:leave_detail": [
        Case(
            at("articles:leave_detail", lambda d: d.leave.pk),
            roles(NOT_FOUND, PAGE, PAGE, NOT_FOUND, both=NOT_FOUND),
            "the member's, pending",
        ),
        Case(
            at("articles:leave_detail", lambda d: d.their_leave.pk),
            roles(PAGE, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=NOT_FOUND),
            "the outsider's",
        ),
        Case(at("articles:leave_detail", 999999), logged_in(NOT_FOUND), "missing"),
        Case(
            at("articles:leave_detail", lambda d: d.leave.pk),
            logged_in(NOT_ALLOWED),
            method="post",
        ),
    ],
    "articles:leave_decide": [
        Case(
            at("articles:leave_decide", lambda d: d.leave.pk),
            roles(NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND, both=NOT_FOUND)
            | {"leader": BAD_REQUEST},
            "the member's, refused form",
            method="post",
            data={"decision": "maybe"},
        ),
        Case(
            at("articles:leave_decide", lambda d: d.their_leave.pk),
            roles(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, both=NOT_FOUND)
            | {"outsider": FORBIDDEN},
            "the outsider's own",
            method="post",
            data={"decision": "maybe"},
        ),
        Case(
            at("articles:leave_decide", lambda d: d.leave.pk),
            logged_in(NOT_ALLOWED),
        ),
    ],
    "articles:leave_withdraw": [
        Case(
            at("articles:leave_withdraw", lambda d: d.withdrawn_leave.pk),
            roles(NOT_FOUND, REDIRECT, FORBIDDEN, NOT_FOUND, both=NOT_FOUND),
            "the member's, already withdrawn",
            method="post",
        ),
        Case(
            at("articles:leave_withdraw", lambda d: d.leave.pk),
            logged_in(NOT_ALLOWED),
        ),
    ],
}

# Every registered ModelAdmin has these views, all behind admin_view (staff only).
ADMIN_MODEL_VIEWS = {
    "changelist": "{prefix}/",
    "add": "{prefix}/add/",
    "history": "{prefix}/{pk}/history/",
    "delete": "{prefix}/{pk}/delete/",
    "change": "{prefix}/{pk}/change/",
    "": "{prefix}/{pk}/",  # unnamed: redirects to change
}
# What staff get where a model's admin refuses a view (e.g. axes logs are read-only).
ADMIN_STAFF_EXCEPTIONS = {
    ("axes.accessattempt", "add"): FORBIDDEN,
    ("axes.accesslog", "add"): FORBIDDEN,
    ("axes.accessfailurelog", "add"): FORBIDDEN,
    # The study record in the admin: read-only, and only the groups one keeps;
    # staff keep none, so every record is "missing" (the admin's redirect).
    **{
        # (delete checks the permission before the object: 403 for any id.)
        (label, view): FORBIDDEN if view in ("add", "delete") else REDIRECT
        for label in [
            "articles.studysession",
            "articles.studyplan",
            "articles.makeupstudy",
            "articles.correction",
            "articles.leaverequest",
            "articles.reflection",
        ]
        for view in ["add", "change", "history", "delete"]
    },
    # Jobs and the queue's task results are written by the services and the worker.
    ("articles.job", "add"): FORBIDDEN,
    # Notifications are written by the services; the admin lists one's own only
    # (the object here is the leader's: "missing" to staff).
    **{
        ("articles.notification", view): FORBIDDEN
        if view in ("add", "delete")
        else REDIRECT
        for view in ["add", "change", "history", "delete"]
    },
    ("django_tasks_database.dbtaskresult", "add"): FORBIDDEN,
    ("django_tasks_database.dbtaskresult", "delete"): FORBIDDEN,
}
# One object per registered model, for the views that take an id. A newly
# registered model fails the coverage test until it gets one here.
ADMIN_OBJECTS: dict[str, Callable[[SimpleNamespace], object]] = {
    "auth.group": lambda d: d.auth_group,
    "taggit.tag": lambda d: d.draft_theme,
    "axes.accessattempt": lambda d: d.attempt,
    "axes.accesslog": lambda d: d.access_log,
    "axes.accessfailurelog": lambda d: d.failure_log,
    "accounts.member": lambda d: d.member,
    "accounts.studygroup": lambda d: d.other_group,
    # The withdrawn article: its delete page meets protected annotations and a
    # session material, and must not name them.
    "articles.article": lambda d: d.withdrawn,
    "articles.paragraph": lambda d: d.withdrawn_paragraph,
    "articles.studysession": lambda d: d.their_session,
    "articles.studyplan": lambda d: d.plan,
    "articles.groupstudysettings": lambda d: d.study_settings,
    "articles.makeupstudy": lambda d: d.make_up,
    "articles.correction": lambda d: d.correction,
    "articles.dictionaryterm": lambda d: d.term,
    "articles.job": lambda d: d.job,
    "articles.reflection": lambda d: d.their_reflection,
    "articles.notification": lambda d: d.notification,
    "articles.leaverequest": lambda d: d.leave,
    "django_tasks_database.dbtaskresult": lambda d: d.task_result,
}


def admin_model_cases() -> dict[str, list[Case]]:
    cases: dict[str, list[Case]] = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        app, name = model._meta.app_label, model._meta.model_name
        for view, route in ADMIN_MODEL_VIEWS.items():
            key = (
                f"admin:{app}_{name}_{view}"
                if view
                else f"admin/{app}/{name}/<path:object_id>/"
            )
            outcome = ADMIN_STAFF_EXCEPTIONS.get((label, view), PAGE)
            if view == "":
                outcome = REDIRECT

            def url(d, route=route, label=label, app=app, name=name):
                pk = ADMIN_OBJECTS[label](d).pk if "{pk}" in route else ""
                return "/admin/" + route.format(prefix=f"{app}/{name}", pk=pk)

            cases[key] = [Case(url, staff_only(outcome), label)]
    return cases


def all_cases() -> dict[str, list[Case]]:
    return {**MATRIX, **admin_model_cases()}


def url_patterns(patterns=None, prefix="", namespace=None):
    """(key, route) of every pattern: the namespaced name, else the full route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace
                    else pattern.namespace
                )
            yield from url_patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), inner
            )
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, route
            else:
                yield route, route


def test_every_url_pattern_has_an_entry():
    keys = {key for key, _route in url_patterns()}
    cases = all_cases()
    assert sorted(keys - cases.keys()) == [], "URL patterns without an expectation"
    assert sorted(cases.keys() - keys) == [], "expectations for no URL pattern"
    assert set(ADMIN_OBJECTS) == {m._meta.label_lower for m in admin.site._registry}
    for key, entry_cases in cases.items():
        assert entry_cases, key
        for case in entry_cases:
            assert set(case.expect) == set(PERSONAS), key


@pytest.fixture
def world(group, other_group, leader, secretary, member, outsider, staff):
    group.description = "南开区委中心组内部安排：第三季度专题学习"
    group.save()
    other_group.description = "西青区委中心组内部安排：调研提纲"
    other_group.save()
    published = ArticleFactory(title="以学铸魂 在发展新质生产力上勇争先")
    ParagraphFactory(article=published, text="学思用贯通，知信行统一。")
    published.tags.add("党建引领")
    draft = ArticleFactory(
        title="尚未发布的草稿：区委理论学习中心组内部讨论稿",
        status=Article.Status.DRAFT,
    )
    draft_paragraph = ParagraphFactory(
        article=draft, text="草稿正文：此段仅供编辑审阅，不得对成员公开。"
    )
    draft.tags.add("内部草稿主题")
    data = SimpleNamespace(
        group=group,
        other_group=other_group,
        leader=leader,
        secretary=secretary,
        member=member,
        outsider=outsider,
        staff=staff,
        published=published,
        draft=draft,
        draft_paragraph=draft_paragraph,
        draft_theme=draft.tags.get(),
        auth_group=Group.objects.create(name="内容编辑"),
        attempt=AccessAttempt.objects.create(
            username="member", ip_address="10.0.0.9", failures_since_start=1
        ),
        access_log=AccessLog.objects.create(username="member", ip_address="10.0.0.9"),
        failure_log=AccessFailureLog.objects.create(
            username="member", ip_address="10.0.0.9", locked_out=False
        ),
    )
    paragraph = published.paragraphs.get()
    data.paragraph = paragraph
    # Issue 12: an editor's upload awaiting confirmation, a finished import and the
    # queue's row of a task.
    data.preview = hold_upload(
        "党委(党组)理论学习中心组园地\n\n草稿标题\n\n某理论学习中心组\n\n正文。".encode(),
        "column.txt",
        user=staff,
        status="draft",
    )
    data.job = Job.objects.create(
        kind=Job.Kind.IMPORT,
        state=Job.State.DONE,
        started_by=staff,
        done=1,
        total=1,
        result={"created": [], "skipped": [], "warnings": []},
    )
    data.task_result = DBTaskResult.objects.create(
        args_kwargs={"args": [data.job.pk], "kwargs": {}},
        task_path="articles.services.jobs.run_job_task",
        backend_name="default",
        run_after=get_date_max(),
    )
    # Issue 3: a member's private annotation; the leader's, shared with the group,
    # with the member's reply.
    data.private_annotation = AnnotationFactory(
        author=member, paragraph=paragraph, note="王成员的私人批注：这一段要再读三遍"
    )
    data.private_annotation.tags.add("王成员私人主题")
    data.private_theme = data.private_annotation.tags.get()
    data.shared_annotation = AnnotationFactory(
        author=leader,
        paragraph=paragraph,
        group=group,
        note="张组长分享给本组的批注：请对照检查",
    )
    data.shared_annotation.tags.add("本组分享主题")
    data.shared_theme = data.shared_annotation.tags.get()
    data.reply = ReplyFactory(
        annotation=data.shared_annotation,
        author=member,
        text="王成员的回复：已对照检查，提出三条措施",
    )
    # Issue 15: the leader is told of the member's reply to the leader's note.
    data.notification = Notification.objects.create(
        recipient=leader, kind=Notification.Kind.REPLY, target_id=data.reply.pk
    )
    # Issue 4: a session of each group with attendance, a speech, observers, a
    # make-up item; our group's plan and thresholds; a correction of theirs.
    data.session = StudySessionFactory(
        group=group,
        topic="南开区委中心组第三次集体学习",
        place="南开区委第二会议室",
        summary="南开会议要点：围绕基层治理交流体会",
        host=leader,
        recorder=secretary,
    )
    SessionMaterial.objects.create(session=data.session, article=published)
    AttendanceFactory(session=data.session, member=leader)
    AttendanceFactory(session=data.session, member=secretary)
    leave = AttendanceFactory(
        session=data.session,
        member=member,
        status=Attendance.Status.ON_LEAVE,
        leave_reason="南开请假事由：外出调研",
    )
    data.make_up = MakeUpStudy.objects.create(attendance=leave)
    Observer.objects.create(session=data.session, name="南开列席人", unit="区纪委")
    data.note = DiscussionNote.objects.create(
        session=data.session,
        speaker=member,
        content="王成员发言：结合南开实际谈体会",
        status=DiscussionNote.Status.FINAL,
    )
    data.plan = StudyPlan.objects.create(group=group, year=2025)
    data.item = PlanItem.objects.create(
        plan=data.plan, month=3, topic="南开年度计划专题：枫桥经验"
    )
    data.study_settings = GroupStudySettings.objects.create(group=group)

    data.their_session = StudySessionFactory(
        group=other_group,
        topic="西青区委中心组专题研讨",
        place="西青区委三楼会议室",
        summary="西青会议要点：调研成果交流",
        status=StudySession.Status.ARCHIVED,
    )
    SessionMaterial.objects.create(session=data.their_session, article=published)
    absent = AttendanceFactory(
        session=data.their_session,
        member=outsider,
        status=Attendance.Status.ABSENT,
    )
    data.their_make_up = MakeUpStudy.objects.create(attendance=absent)
    Observer.objects.create(
        session=data.their_session, name="西青列席人", unit="西青区委办"
    )
    data.their_note = DiscussionNote.objects.create(
        session=data.their_session,
        speaker=outsider,
        content="赵外组发言：西青调研情况汇报",
        status=DiscussionNote.Status.FINAL,
    )
    data.correction = Correction.objects.create(
        session=data.their_session,
        author=staff,
        reason="西青更正理由：补记列席人",
        changes=[{"field": "列席人员", "old": "—", "new": "西青列席人"}],
    )

    # Issue 10: a person in both groups (a plain member of each), on leave at
    # their session with a reason and speaking there; a member's draft speech; an
    # article published, studied at our session, cited in a speech, annotated,
    # then taken back to draft.
    data.both = MemberFactory(username="both", display_name="钱两组")
    MembershipFactory(group=group, member=data.both)
    MembershipFactory(group=other_group, member=data.both)
    AttendanceFactory(session=data.session, member=data.both)
    AttendanceFactory(
        session=data.their_session,
        member=data.both,
        status=Attendance.Status.ON_LEAVE,
        leave_reason="西青请假事由：钱两组赴京开会",
    )
    both_speech = DiscussionNote.objects.create(
        session=data.their_session,
        speaker=data.both,
        content="钱两组在西青的发言：调研报告",
        status=DiscussionNote.Status.FINAL,
        position=2,
    )
    data.draft_note = DiscussionNote.objects.create(
        session=data.session,
        speaker=member,
        drafted_by=member,
        content="王成员的发言草稿：尚未定稿的体会",
        status=DiscussionNote.Status.DRAFT,
        position=2,
    )
    data.withdrawn = ArticleFactory(title="曾经发布后撤回的文章：学习体会汇编")
    data.withdrawn_paragraph = ParagraphFactory(
        article=data.withdrawn, text="撤回稿正文：此段已撤回，成员不得再读。"
    )
    SessionMaterial.objects.create(
        session=data.session, article=data.withdrawn, position=1
    )
    data.note.cited_paragraphs.add(data.withdrawn_paragraph)
    withdrawn_annotation = AnnotationFactory(
        author=member,
        paragraph=data.withdrawn_paragraph,
        note="王成员在撤回稿上的私人批注：再核对",
    )
    withdrawn_annotation.tags.add("内部草稿主题")
    data.withdrawn.status = Article.Status.DRAFT
    data.withdrawn.save()

    # Issue 15: an upcoming session of each group; the member's pending leave
    # request and one withdrawn; the outsider's request at their session.
    data.upcoming = StudySessionFactory(
        group=group,
        topic="南开区委中心组下次集体学习",
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=7, hours=3),
        status=StudySession.Status.PLANNED,
    )
    data.their_upcoming = StudySessionFactory(
        group=other_group,
        topic="西青区委中心组下次专题研讨",
        starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=7, hours=3),
        status=StudySession.Status.PLANNED,
    )
    data.leave = LeaveRequest.objects.create(
        session=data.upcoming, member=member, reason="王成员的请假申请：赴北京参加培训"
    )
    data.withdrawn_leave = LeaveRequest.objects.create(
        session=data.upcoming,
        member=member,
        reason="王成员撤回的请假申请：行程取消",
        status=LeaveRequest.Status.WITHDRAWN,
        withdrawn_at=timezone.now(),
    )
    data.their_leave = LeaveRequest.objects.create(
        session=data.their_upcoming,
        member=outsider,
        reason="赵外组的请假申请：外出招商",
    )
    # A plain member sees no colleague's reason before it is in the record.
    member_leave = [data.leave.reason, data.withdrawn_leave.reason]

    drafts = [draft.title, draft_paragraph.text, data.withdrawn_paragraph.text]
    ours = [
        group.name,
        group.description,
        "张组长",
        "李秘书",
        "王成员",
        data.session.topic,
        data.session.place,
        data.session.summary,
        leave.leave_reason,
        "南开列席人",
        data.note.content,
        data.item.topic,
        data.shared_annotation.note,
        data.reply.text,
        "本组分享主题",
    ]
    theirs = [
        other_group.name,
        other_group.description,
        "赵外组",
        data.their_session.topic,
        data.their_session.place,
        data.their_session.summary,
        "西青列席人",
        data.their_note.content,
        data.correction.reason,
        "西青请假事由：钱两组赴京开会",
        both_speech.content,
        data.their_leave.reason,
    ]
    # Private notes stay private from everyone, staff included.
    private = [data.private_annotation.note, "王成员私人主题"]
    shared = [data.shared_annotation.note, data.reply.text, "本组分享主题"]
    # Theme names are one shared vocabulary that staff curate (merge, rename) in
    # the admin's theme list; the notes and replies stay hidden from staff.
    staff_private = [data.private_annotation.note, *shared[:2]]
    data.term = DictionaryTerm.objects.create(term="学习型党组织", note="测试词条")
    # A draft speech: its drafter (the member) and our record keepers only.
    draft_speech = [data.draft_note.content]
    # Staff see no group's record (front end or admin) and no member's notes; the
    # admin's delete pages name no annotation ("author · quote") either. Group and
    # people's names are in the admin's member and group lists.
    records = [
        data.session.topic,
        data.session.place,
        data.session.summary,
        leave.leave_reason,
        "南开列席人",
        data.note.content,
        data.item.topic,
        *theirs[3:],
    ]
    annotations = [
        data.private_annotation.note,
        str(data.private_annotation),
        withdrawn_annotation.note,
        str(withdrawn_annotation),
        "王成员私人主题",
        "本组分享主题",
    ]
    # Issue 15: reflections. The member's (on leave) is private, with a Word file;
    # the secretary's is shared with our group; the outsider's is private.
    data.reflection = Reflection.objects.create(
        session=data.session,
        author=member,
        text="王成员的学习心得：仅本人和记录负责人可读",
        file_kind=Reflection.FileKind.DOCX,
        file_name="王成员心得.docx",
    )
    checked = check_reflection_file(seed_variants.as_docx(), "王成员心得.docx")
    data.reflection.file.save("x.docx", ContentFile(checked.data))
    data.shared_reflection = Reflection.objects.create(
        session=data.session,
        author=secretary,
        text="李秘书共享给本组的学习心得",
        shared=True,
    )
    data.their_reflection = Reflection.objects.create(
        session=data.their_session,
        author=outsider,
        text="赵外组的学习心得：西青私人体会",
    )
    data.private_texts = {
        "anonymous": drafts + ours + theirs + private + draft_speech + member_leave,
        "outsider": drafts + ours + private + draft_speech + member_leave,
        "member": drafts + theirs,
        "secretary": drafts + theirs + private,
        "leader": drafts + theirs + private,
        "both": drafts
        + private
        + draft_speech
        + member_leave
        + [data.their_leave.reason],
        "staff": staff_private + records + draft_speech + annotations + member_leave,
    }
    readers = {
        data.reflection.text: {"member", "secretary", "leader"},
        data.shared_reflection.text: {"member", "secretary", "leader", "both"},
        data.their_reflection.text: {"outsider"},
    }
    for text, allowed in readers.items():
        for persona in set(PERSONAS) - allowed:
            data.private_texts[persona].append(text)
    return data


def client_for(persona, data) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(data, persona))
    return client


def check(response, outcome, url) -> str | None:
    status = response.status_code
    location = response.headers.get("Location", "")
    if outcome == PAGE:
        ok = status == 200
    elif outcome == LOGIN:
        ok = status == 302 and location.startswith(reverse("login") + "?next=")
    elif outcome == ADMIN_LOGIN:
        ok = status == 302 and location.startswith(reverse("admin:login") + "?next=")
    elif outcome == REDIRECT:
        ok = status == 302 and not location.startswith(
            (reverse("login"), reverse("admin:login"))
        )
    else:
        ok = status == outcome
    return None if ok else f"{url}: expected {outcome}, got {status} {location}"


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(all_cases()))
def test_permission_matrix(key, world):
    problems = []
    for case in all_cases()[key]:
        url = case.url(world)
        for persona in PERSONAS:
            client = client_for(persona, world)
            data = case.data(world) if callable(case.data) else case.data
            response = getattr(client, case.method)(url, data)
            problem = check(response, case.expect[persona], url)
            if problem:
                problems.append(f"{persona} {case.method.upper()} {problem}")
            body = response.content.decode(errors="replace")
            for text in world.private_texts[persona]:
                if text in body:
                    problems.append(f"{persona} {url}: response holds {text!r}")
    assert problems == []
