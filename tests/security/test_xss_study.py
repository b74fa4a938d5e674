"""Stored XSS in the surfaces of issues 3 and 4: annotation notes, quotes, replies
and their themes; session topics, places and summaries, observers, leave reasons,
speeches and the annual plan; on every page that shows them and in every export
(JSON-LD, Markdown, handout, .docx, .xlsx).

The hostile text goes in through the services where there is one (so it passed every
validation a member meets), and straight into the database where a form would refuse
it (theme names), because a page must stay safe whatever reached the row."""

import json
import re
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from articles.models import Article, DiscussionNote, MakeUpStudy
from articles.services import (
    AttendanceEntry,
    add_plan_item,
    annotate_paragraph,
    record_attendance,
    reply_to_annotation,
    save_discussion_note,
)

from ..articles.sessions_support import make_session
from ..factories import (
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
)
from .test_xss import IMG, JS_URL, PAYLOAD, SCRIPT, assert_inert, assert_shown_escaped

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/","点此")'


@pytest.fixture
def study(group, leader, secretary, member):
    article = ArticleFactory(title=f"以学铸魂{SCRIPT}")
    paragraph = ParagraphFactory(article=article, text=f"学思用贯通{IMG}，知信行统一。")
    annotation = annotate_paragraph(
        author=member,
        paragraph=paragraph,
        start=0,
        end=len(paragraph.text),
        quote=paragraph.text,
        note=PAYLOAD,
        themes=[],
        group=group,
    )
    # A theme name the form would refuse, as if it came from an old import.
    annotation.tags.add(PAYLOAD)
    annotate_paragraph(
        author=member,
        paragraph=paragraph,
        start=0,
        end=5,
        quote=paragraph.text[:5],
        note=f"私人{SCRIPT}",
        themes=[],
        group=None,
    )
    reply_to_annotation(annotation, author=leader, text=PAYLOAD)
    mine = reply_to_annotation(annotation, author=member, text=f"回复{IMG}")
    observer = MemberFactory(username="formula", display_name=FORMULA)
    MembershipFactory(group=group, member=observer)
    session = make_session(
        group,
        article=article,
        host=leader,
        recorder=secretary,
        topic=PAYLOAD,
        place=f"会议室{IMG}",
        summary=PAYLOAD,
    )
    record_attendance(
        session,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="present"),
            AttendanceEntry(member=observer, status="present"),
            AttendanceEntry(member=member, status="on_leave", leave_reason=PAYLOAD),
        ],
        author=secretary,
        observers=[(f"列席{SCRIPT}", f"单位{IMG}")],
    )
    note = save_discussion_note(
        session, author=secretary, speaker=member, kind="discussion", content=PAYLOAD
    )
    save_discussion_note(
        session,
        author=secretary,
        speaker=None,
        speaker_name=f"特邀{IMG}",
        kind="keynote",
        content=PAYLOAD,
    )
    add_plan_item(group, session.starts_at.year, month=3, topic=PAYLOAD, materials=[])
    return {
        "article": article,
        "annotation": annotation,
        "reply": mine,
        "session": session,
        "note": note,
        "make_up": MakeUpStudy.objects.get(attendance__member=member),
        "theme": annotation.tags.get(name=PAYLOAD),
        "year": session.starts_at.year,
        "group": group,
    }


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def check_pages(client, pages: dict[str, str], escaped: set[str]) -> None:
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (where, response.status_code)
        html = response.content.decode()
        assert_inert(html, where)
        if where in escaped:
            assert_shown_escaped(html, where)


def test_member_pages_render_study_text_inert(member, study):
    session, article = study["session"], study["article"]
    pages = {
        "reader": article.get_absolute_url(),
        "reader filtered by theme": article.get_absolute_url()
        + f"?theme={study['theme'].slug}",
        "my annotations": reverse("articles:my_annotations"),
        "theme": reverse("articles:theme", args=[study["theme"].slug]),
        "home": reverse("home"),
        "annotation edit": reverse(
            "articles:annotation_edit", args=[study["annotation"].pk]
        ),
        "annotation delete": reverse(
            "articles:annotation_delete", args=[study["annotation"].pk]
        ),
        "reply edit": reverse("articles:reply_edit", args=[study["reply"].pk]),
        "handout": reverse("articles:handout", args=[article.pk]),
        "session list": reverse("articles:session_list"),
        "session": session.get_absolute_url(),
        "sign-in sheet": reverse("articles:sign_in_sheet", args=[session.pk]),
        "make-up list": reverse("articles:make_up_list"),
        "make-up": reverse("articles:make_up_detail", args=[study["make_up"].pk]),
        "statistics": reverse("articles:group_statistics", args=[study["group"].pk]),
        "plan": reverse("articles:group_plan", args=[study["group"].pk])
        + f"?year={study['year']}",
        "archive": reverse("articles:my_archive") + f"?year={study['year']}",
        "new speech": reverse("articles:note_create", args=[session.pk]),
    }
    escaped = {
        "reader",
        "reader filtered by theme",
        "my annotations",
        "theme",
        "annotation edit",
        "handout",
        "session list",
        "session",
        "plan",
        "make-up",
    }
    check_pages(logged_in(member), pages, escaped)


def test_record_keeper_pages_render_study_text_inert(secretary, member, study):
    session = study["session"]
    pages = {
        "session": session.get_absolute_url(),
        "edit": reverse("articles:session_edit", args=[session.pk]),
        "attendance": reverse("articles:session_attendance", args=[session.pk]),
        "materials": reverse(
            "articles:material_paragraphs", args=[session.pk, study["article"].pk]
        ),
        "speech": reverse("articles:note_edit", args=[study["note"].pk]),
        "member archive": reverse("articles:member_archive", args=[member.pk])
        + f"?year={study['year']}",
        "new session": reverse("articles:session_create", args=[study["group"].pk]),
    }
    check_pages(
        logged_in(secretary), pages, {"session", "edit", "attendance", "speech"}
    )


def test_admin_pages_render_study_text_inert(secretary, study):
    # The admin shows a group's record to its keepers only (read-only).
    secretary.is_staff = secretary.is_superuser = True
    secretary.save()
    session = study["session"]
    pages = {
        "sessions": "/admin/articles/studysession/",
        "session": f"/admin/articles/studysession/{session.pk}/change/",
        "plans": "/admin/articles/studyplan/",
        "make-ups": "/admin/articles/makeupstudy/",
        "make-up": f"/admin/articles/makeupstudy/{study['make_up'].pk}/change/",
        "themes": "/admin/taggit/tag/",
    }
    check_pages(logged_in(secretary), pages, {"sessions", "session"})


def test_jsonld_export_carries_hostile_text_as_data(member, study):
    response = logged_in(member).get(
        reverse("articles:annotations_jsonld", args=[study["article"].pk])
    )
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["X-Content-Type-Options"] == "nosniff"
    values = list(strings(json.loads(response.content)))
    # Exactly the typed text, as JSON strings: nothing a browser would render.
    assert PAYLOAD in values
    assert f"私人{SCRIPT}" in values
    assert f"回复{IMG}" in values


def strings(data):
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            yield from strings(item)
    elif isinstance(data, str):
        yield data


def test_markdown_export_cannot_open_tags_or_links(member, study):
    response = logged_in(member).get(
        reverse("articles:annotations_markdown", args=[study["article"].pk])
    )
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode()
    # CommonMark backslash escapes: rendered as the literal text that was typed.
    assert r'\<script>alert("xss")\</script>' in text
    assert r"\<img src=x onerror=alert(1)>" in text
    assert not re.search(r"(?<!\\)<(script|img)", text)
    hostile_link = "[点我](javascript:alert(1))"
    study["annotation"].note = hostile_link
    study["annotation"].save()
    text = logged_in(member).get(
        reverse("articles:annotations_markdown", args=[study["article"].pk])
    )
    assert r"\[点我\](javascript:alert(1))" in text.content.decode()
    assert JS_URL in text.content.decode()  # as text, never as a link target


def test_docx_exports_hold_hostile_text_as_plain_text(secretary, study):
    client = logged_in(secretary)
    for url in [
        reverse("articles:session_docx", args=[study["session"].pk]),
        reverse("articles:group_dossier_docx", args=[study["group"].pk, study["year"]]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        document = Document(BytesIO(response.content))
        text = "\n".join(
            cell.text
            for table in document.tables
            for row in table.rows
            for cell in row.cells
        ) + "\n".join(p.text for p in document.paragraphs)
        # python-docx writes text nodes: the markup is characters, not elements.
        assert SCRIPT in text, url
        assert b"<script>" not in response.content


def test_xlsx_stores_formulas_and_markup_as_text(secretary, study):
    response = logged_in(secretary).get(
        reverse(
            "articles:group_attendance_xlsx", args=[study["group"].pk, study["year"]]
        )
    )
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c for c in cells if c.data_type == "f"] == []
    names = {c.value: c for c in cells if isinstance(c.value, str)}
    # Prefixed with a quote (OWASP CSV injection): text when typed again or
    # saved as CSV.
    assert names["'" + FORMULA].data_type == "s"
    # The topic heads its column (shortened), as the characters typed.
    assert any("<script>alert(" in value for value in names)


def test_formula_like_names_are_text_in_every_xlsx_cell(secretary, group, study):
    """+ - @ and = at the start of any user text: stored as strings behind a
    quote, never as formulas, whatever openpyxl guesses."""
    for index, prefix in enumerate("=+-@"):
        person = MemberFactory(username=f"f{index}", display_name=f"{prefix}1+1")
        MembershipFactory(group=group, member=person)
    response = logged_in(secretary).get(
        reverse("articles:group_attendance_xlsx", args=[group.pk, study["year"]])
    )
    sheet = load_workbook(BytesIO(response.content)).active
    values = {
        cell.value: cell.data_type
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    for prefix in "=+-@":
        assert values.get(f"'{prefix}1+1") == "s", prefix


def test_draft_speech_of_a_member_is_inert_for_the_secretary(member, secretary, study):
    save_discussion_note(
        study["session"],
        author=member,
        speaker=member,
        kind="discussion",
        content=PAYLOAD,
        status=DiscussionNote.Status.DRAFT,
    )
    html = logged_in(secretary).get(study["session"].get_absolute_url())
    assert_inert(html.content.decode(), "session with a draft")
    assert Article.objects.filter(pk=study["article"].pk).exists()
