"""Security events: structured, one JSON line each, no secrets."""

import json
import logging

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from articles.models import Article
from studyhub.security import JsonLinesFormatter

from ..factories import ArticleFactory, MemberFactory
from .conftest import events

pytestmark = pytest.mark.django_db


def test_member_opening_a_draft_is_logged_as_access_denied(
    member_client, member, security_log
):
    draft = ArticleFactory(status=Article.Status.DRAFT)
    response = member_client.get(draft.get_absolute_url())
    assert response.status_code == 404
    [event] = events(security_log, "access_denied")
    assert event["model"] == "articles.Article"
    assert event["lookup"] == {"pk": str(draft.pk)}
    assert event["user_id"] == member.pk
    assert event["path"] == draft.get_absolute_url()
    # The draft's content stays out of the log.
    assert draft.title not in security_log.text


def test_missing_object_is_not_an_access_denial(member_client, security_log):
    response = member_client.get(reverse("articles:detail", args=[999999]))
    assert response.status_code == 404
    assert events(security_log, "access_denied") == []


def test_permission_denied_is_logged(client, security_log):
    # Staff without the "add article" permission may not import.
    editor = MemberFactory(username="viewer", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(editor)
    response = client.get("/admin/articles/article/import/")
    assert response.status_code == 403
    [event] = events(security_log, "permission_denied")
    assert event["user"] == "viewer"
    assert event["path"] == "/admin/articles/article/import/"
    assert event["status"] == 403


def test_csrf_failure_is_logged(member, password, security_log):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "member", "password": password}
    )
    assert response.status_code == 403
    assert events(security_log, "permission_denied")[0]["path"] == reverse("login")


def test_a_record_is_one_json_line_even_with_a_newline_in_the_username():
    record = logging.LogRecord(
        "studyhub.security", logging.WARNING, __file__, 1, "login_failed", (), None
    )
    record.security = {
        "username": 'admin\n{"event": "login_succeeded"}',
        "ip": "1.2.3.4",
    }
    line = JsonLinesFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["event"] == "login_failed"
    assert entry["username"].startswith("admin\n")
    assert entry["level"] == "WARNING"
    assert entry["time"].endswith("+00:00")


def _archived_session(group, leader, secretary, member):
    from articles.services import AttendanceEntry, archive_session, record_attendance

    from ..articles.sessions_support import make_session

    session = make_session(group, host=leader, recorder=secretary)
    record_attendance(
        session,
        [
            AttendanceEntry(member=leader, status="present"),
            AttendanceEntry(member=secretary, status="present"),
            AttendanceEntry(member=member, status="absent"),
        ],
        author=secretary,
    )
    return archive_session(session)


def test_correcting_an_archived_record_is_logged(
    client,
    group,
    leader,
    secretary,
    member,
    security_log,
    django_capture_on_commit_callbacks,
):
    from ..articles.sessions_support import attendance_post

    session = _archived_session(group, leader, secretary, member)
    client.force_login(secretary)
    url = reverse("articles:session_attendance", args=[session.pk])
    rows = {leader: "present", secretary: "present", member: ("on_leave", "出差")}

    # Refused (no reason): nothing written, nothing logged.
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, attendance_post(rows))
    assert refused.status_code == 400
    assert events(security_log, "record_corrected") == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, attendance_post(rows, reason="补交了请假条"))
    assert response.status_code == 302
    [event] = events(security_log, "record_corrected")
    correction = session.corrections.get()
    assert event == {
        "user_id": secretary.pk,
        "model": "articles.StudySession",
        "pk": session.pk,
        "correction_id": correction.pk,
        "fields": [change["field"] for change in correction.changes],
    }
    assert len(event["fields"]) == 1 and member.name in event["fields"][0]
    # The reason and the old/new values stay in the database, not in the log.
    assert "补交了请假条" not in security_log.text
    assert "出差" not in security_log.text


def test_changes_before_archiving_are_not_corrections(
    group, leader, secretary, member, security_log, django_capture_on_commit_callbacks
):
    from articles.services import AttendanceEntry, record_attendance

    from ..articles.sessions_support import make_session

    session = make_session(group, host=leader, recorder=secretary)
    with django_capture_on_commit_callbacks(execute=True):
        record_attendance(
            session, [AttendanceEntry(member=member, status="late")], author=secretary
        )
    assert events(security_log, "record_corrected") == []
