"""Reflections (学习心得): who hands in, who reads, files checked by their content,
deadlines, the keepers' overview, make-up completion, archive and statistics."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from articles.models import (
    Attendance,
    GroupStudySettings,
    MakeUpStudy,
    Reflection,
)
from articles.records.reads import group_year
from articles.services import hand_in_reflection, share_reflection
from articles.services.reflections import (
    MAX_REFLECTION_BYTES,
    check_reflection_file,
)
from tests.articles import seed_variants as seed
from tests.articles.test_importer_limits import (
    empty_paragraphs_docx,
    lying_headers_docx,
    stream_bomb_pdf,
)

from ..factories import AttendanceFactory, MemberFactory, MembershipFactory
from .sessions_support import at, make_session

pytestmark = pytest.mark.django_db

TEXT = (
    "通过这次学习，我深刻体会到党建引领基层治理的重要意义，"
    "要把学习成果转化为推动工作的实际成效。"
)


def reflection_pdf(text: str = "Study notes on the session") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    pdf.drawString(50, 800, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture: a sound PDF without text."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = io.BytesIO()
    # A 1×1 grey PNG, drawn over the page as a scan would be.
    image.write(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
            "3a7e9b550000000a49444154789c636000000002000154a24f5d0000000049454e44ae426082"
        )
    )
    image.seek(0)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    pdf.drawImage(ImageReader(image), 0, 0, 595, 842)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def session(group, leader, secretary, member):
    session = make_session(
        group, starts_at=at(2026, 3, 12, 9), ends_at=at(2026, 3, 12, 12)
    )
    for person in (leader, secretary):
        AttendanceFactory(session=session, member=person)
    leave = AttendanceFactory(
        session=session,
        member=member,
        status=Attendance.Status.ON_LEAVE,
        leave_reason="外出调研",
    )
    MakeUpStudy.objects.create(attendance=leave)
    return session


@pytest.fixture
def expected(group):
    return GroupStudySettings.objects.create(
        group=group, reflections_expected=True, reflection_days=7
    )


@pytest.fixture
def colleague(group, session):
    person = MemberFactory(username="colleague", display_name="孙同事")
    MembershipFactory(group=group, member=person)
    AttendanceFactory(session=session, member=person)
    return person


@pytest.fixture
def both(group, other_group, session):
    """A plain member of both groups, expected at our session."""
    person = MemberFactory(username="both", display_name="钱两组")
    MembershipFactory(group=group, member=person)
    MembershipFactory(group=other_group, member=person)
    AttendanceFactory(session=session, member=person)
    return person


def login(client, person):
    client.force_login(person)
    return client


# --- visibility ---------------------------------------------------------------------


@pytest.fixture
def private(session, member):
    return hand_in_reflection(session, member, text=TEXT)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 200),  # the author
        ("secretary", 200),  # keepers
        ("leader", 200),
        ("colleague", 404),  # another member of the group
        ("both", 404),  # a member of two groups
        ("outsider", 404),
        ("staff", 404),  # a superuser in no group
    ],
)
def test_a_private_reflection_is_read_by_its_author_and_the_keepers_only(
    client, request, private, persona, status
):
    person = request.getfixturevalue(persona)
    response = login(client, person).get(private.get_absolute_url())
    assert response.status_code == status
    assert (TEXT in response.content.decode()) == (status == 200)
    listing = client.get(
        reverse("articles:session_reflections", args=[private.session.pk])
    )
    if persona in ("outsider", "staff"):
        assert listing.status_code == 404
    else:
        # The overview quotes shared reflections only.
        assert TEXT[:20] not in listing.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("colleague", 200),
        ("both", 200),
        ("outsider", 404),
        ("staff", 404),
    ],
)
def test_a_shared_reflection_is_read_by_the_group_only(
    client, request, private, persona, status
):
    share_reflection(private, shared=True)
    person = request.getfixturevalue(persona)
    response = login(client, person).get(private.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        listing = client.get(
            reverse("articles:session_reflections", args=[private.session.pk])
        )
        assert TEXT[:20] in listing.content.decode()


def test_a_member_of_two_groups_sees_nothing_of_one_group_from_the_other(
    client, other_group, outsider, both
):
    """``both`` shares a reflection with group B: group A's keepers do not read it,
    and neither does group A's record show it."""
    theirs = make_session(other_group, topic="西青区委中心组专题研讨")
    AttendanceFactory(session=theirs, member=both)
    AttendanceFactory(session=theirs, member=outsider)
    reflection = hand_in_reflection(
        theirs, both, text="钱两组在西青的体会", shared=True
    )
    assert login(client, outsider).get(reflection.get_absolute_url()).status_code == 200
    leader_of_a = Membership.objects.get(
        role=Membership.Role.LEADER, group__name__contains="南开"
    ).member
    assert (
        login(client, leader_of_a).get(reflection.get_absolute_url()).status_code == 404
    )
    archive = client.get(reverse("articles:member_archive", args=[both.pk]))
    assert "钱两组在西青的体会" not in archive.content.decode()


def test_only_the_author_shares_and_anonymous_is_sent_to_login(
    client, private, secretary, member
):
    url = reverse("articles:reflection_share", args=[private.pk])
    assert client.get(private.get_absolute_url()).status_code == 302
    assert login(client, secretary).post(url, {"shared": "on"}).status_code == 403
    private.refresh_from_db()
    assert not private.shared
    assert login(client, member).post(url, {"shared": "on"}).status_code == 302
    private.refresh_from_db()
    assert private.shared
    assert client.get(url).status_code == 405


# --- handing in ---------------------------------------------------------------------


def test_a_member_hands_in_text_and_edits_it_until_the_deadline(
    client, group, member, expected
):
    yesterday = timezone.now() - timedelta(days=1)
    session = make_session(
        group, starts_at=yesterday - timedelta(hours=3), ends_at=yesterday
    )
    AttendanceFactory(session=session, member=member)
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    response = login(client, member).post(url, {"text": TEXT})
    reflection = Reflection.objects.get(session=session, author=member)
    assert response.status_code == 302
    assert reflection.text == TEXT and not reflection.shared
    client.post(url, {"text": TEXT + "再补充一点。", "shared": "on"})
    reflection.refresh_from_db()
    assert reflection.text.endswith("再补充一点。") and reflection.shared
    assert Reflection.objects.count() == 1


def test_after_the_deadline_a_handed_in_reflection_is_locked(
    client, session, member, expected
):
    reflection = hand_in_reflection(session, member, text=TEXT)
    # The session ended 2026-03-12; seven days later, the end of 03-19 (local).
    deadline = reflection.deadline()
    assert timezone.localtime(deadline).date() == date(2026, 3, 19)
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    response = login(client, member).post(url, {"text": "改写"})
    # The session is of March 2026: long past.
    assert response.status_code == 400
    assert "截止" in response.content.decode()
    reflection.refresh_from_db()
    assert reflection.text == TEXT


def test_a_late_reflection_is_still_accepted_and_marked_late(
    client, session, secretary, expected
):
    reflection = hand_in_reflection(session, secretary, text=TEXT)
    assert reflection.is_late()
    page = login(client, secretary).get(
        reverse("articles:session_reflections", args=[session.pk])
    )
    assert "逾期提交" in page.content.decode()


def test_only_members_expected_at_a_held_session_hand_in(
    client, group, session, member, leader
):
    newcomer = MemberFactory(username="newcomer", display_name="新成员")
    MembershipFactory(group=group, member=newcomer)
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    assert login(client, newcomer).get(url).status_code == 403
    planned = make_session(group, status="planned", topic="下次学习")
    AttendanceFactory(session=planned, member=member)
    url = reverse("articles:reflection_hand_in", args=[planned.pk])
    assert login(client, member).get(url).status_code == 403
    with pytest.raises(ValidationError) as refused:
        hand_in_reflection(planned, member, text=TEXT)
    assert refused.value.code == "not_expected"


def test_an_empty_reflection_is_refused_in_chinese(client, session, member):
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    response = login(client, member).post(url, {"text": "   "})
    assert response.status_code == 400
    assert "请填写学习心得" in response.content.decode()
    assert not Reflection.objects.exists()


def test_a_reflection_completes_the_make_up_study(client, session, member):
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    form = login(client, member).get(url + "?make_up=1").content.decode()
    assert "补学体会" in form
    client.post(url, {"text": TEXT, "for_make_up": "on"})
    make_up = MakeUpStudy.objects.get(attendance__member=member)
    assert make_up.is_done and make_up.note == TEXT
    assert Reflection.objects.get(author=member).for_make_up


# --- files --------------------------------------------------------------------------


def upload(data: bytes, name: str, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_word_file_is_stored_privately_and_downloaded_as_an_attachment(
    client, session, member, secretary, colleague
):
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    # Built once: a second build may carry other zip timestamps.
    sent = seed.as_docx()
    response = login(client, member).post(
        url, {"text": "", "file": upload(sent, "我的心得.docx")}
    )
    assert response.status_code == 302
    reflection = Reflection.objects.get(author=member)
    assert reflection.file_kind == "docx" and reflection.file_name == "我的心得.docx"
    assert "基层治理" in reflection.file_text
    # Stored under our own name, in the private store, not under MEDIA.
    assert reflection.file.name.startswith(f"reflections/{session.pk}/")
    assert "我的心得" not in reflection.file.name
    download = reverse("articles:reflection_file", args=[reflection.pk])
    for reader in (member, secretary):
        response = login(client, reader).get(download)
        assert response.status_code == 200
        assert response.content == sent
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"].startswith("application/vnd.openxml")
    assert login(client, colleague).get(download).status_code == 404


def test_a_replaced_file_is_deleted_from_storage(
    session, member, django_capture_on_commit_callbacks
):
    from articles.services.reflections import check_reflection_file as check

    with django_capture_on_commit_callbacks(execute=True):
        first = hand_in_reflection(
            session, member, text="", upload=check(seed.as_docx(), "a.docx")
        )
    old = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = hand_in_reflection(
            session, member, text="", upload=check(reflection_pdf(), "b.pdf")
        )
    storage = second.file.storage
    assert second.file_kind == "pdf"
    assert storage.exists(second.file.name)
    assert not storage.exists(old)


def test_a_text_pdf_and_a_scanned_pdf_are_accepted():
    readable = check_reflection_file(reflection_pdf(), "心得.pdf")
    assert readable.kind == "pdf" and "Study notes" in readable.text
    scan = check_reflection_file(scanned_pdf(), "扫描件.pdf")
    assert scan.kind == "pdf" and scan.text == ""


@pytest.mark.parametrize(
    ("build", "name", "code"),
    [
        (lambda: b"x" * (MAX_REFLECTION_BYTES + 1), "big.docx", "too_large"),
        (lambda: b"", "empty.pdf", "empty"),
        # The name and the claimed type say Word; the bytes are a picture.
        (lambda: b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.docx", "wrong_type"),
        (lambda: b"<html><script>alert(1)</script></html>", "page.pdf", "wrong_type"),
        # A PDF named .docx, a Word file named .pdf.
        (reflection_pdf, "renamed.docx", "name_mismatch"),
        (seed.as_docx, "renamed.pdf", "name_mismatch"),
        # A zip that is no Word file; a zip bomb; a bomb whose headers lie.
        (lambda: b"PK\x03\x04" + b"\0" * 200, "broken.docx", "corrupt_docx"),
        (empty_paragraphs_docx, "bomb.docx", "too_many_paragraphs"),
        (lying_headers_docx, "liar.docx", "corrupt_docx"),
        (lambda: b"%PDF-1.4\n garbage", "broken.pdf", "corrupt_pdf"),
        (stream_bomb_pdf, "bomb.pdf", "pdf_too_complex"),
    ],
)
def test_hostile_files_are_refused_with_a_reason(build, name, code):
    with pytest.raises(ValidationError) as refused:
        check_reflection_file(build(), name)
    assert refused.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.messages[0])


def test_a_hostile_upload_is_refused_on_the_page_and_nothing_is_stored(
    client, session, member
):
    url = reverse("articles:reflection_hand_in", args=[session.pk])
    response = login(client, member).post(
        url,
        {
            "text": TEXT,
            "file": upload(
                lying_headers_docx(),
                "心得.docx",
                "application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document",
            ),
        },
    )
    assert response.status_code == 400
    assert "已损坏" in response.content.decode()
    # What the member wrote is still in the form.
    assert TEXT in response.content.decode()
    assert not Reflection.objects.exists()


def test_file_names_are_cleaned():
    checked = check_reflection_file(seed.as_docx(), "../../etc/\u202e心得\x00.docx")
    assert checked.name == "心得.docx"


# --- the keepers' overview, reminders, archive, statistics ----------------------


def test_keepers_see_who_has_and_has_not_handed_in(
    client,
    session,
    leader,
    secretary,
    member,
    colleague,
    expected,
    django_assert_max_num_queries,
):
    hand_in_reflection(session, member, text=TEXT)
    url = reverse("articles:session_reflections", args=[session.pk])
    login(client, secretary)
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "1 / 4" in page
    # The session of March 2026 is long past: three in the table, and the
    # secretary's own above it.
    assert page.count("已逾期") == 4
    assert "王成员" in page and "孙同事" in page
    # A plain member sees no such table.
    other = login(client, colleague).get(url).content.decode()
    assert "提交情况" not in other and "王成员" not in other


def test_the_overview_costs_the_same_queries_with_more_members(
    client, group, session, secretary, expected
):
    url = reverse("articles:session_reflections", args=[session.pk])
    login(client, secretary)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(3):
        person = MemberFactory(username=f"extra{index}", display_name=f"加{index}")
        MembershipFactory(group=group, member=person)
        AttendanceFactory(session=session, member=person)
        hand_in_reflection(session, person, text=TEXT)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_owing_reflection_names_who_owes_one_due_on_a_day(
    session, member, leader, secretary, expected
):
    hand_in_reflection(session, leader, text=TEXT)
    due = Attendance.objects.owing_reflection(date(2026, 3, 19))
    assert {a.member for a in due} == {member, secretary}
    assert not Attendance.objects.owing_reflection(date(2026, 3, 18)).exists()
    window = Attendance.objects.owing_reflection(
        date(2026, 3, 20), due_from=date(2026, 3, 13)
    )
    assert window.count() == 2
    expected.reflections_expected = False
    expected.save()
    assert not Attendance.objects.owing_reflection(date(2026, 3, 19)).exists()


def test_the_archive_shows_reflections_as_the_viewer_may_read_them(
    client, session, member, secretary, colleague
):
    hand_in_reflection(session, member, text=TEXT)
    url = reverse("articles:member_archive", args=[member.pk]) + "?year=2026"
    assert (
        TEXT
        in login(client, member)
        .get(reverse("articles:my_archive") + "?year=2026")
        .content.decode()
    )
    assert TEXT in login(client, secretary).get(url).content.decode()


def test_statistics_count_handed_in_against_expected(
    client, group, session, member, leader, expected
):
    hand_in_reflection(session, member, text=TEXT)
    stats = group_year(group, 2026)
    assert (stats.reflections, stats.reflections_expected) == (1, 3)
    mine = next(m for m in stats.members if m.member == member)
    assert (mine.reflections, mine.reflections_expected) == (1, 1)
    page = login(client, leader).get(
        reverse("articles:group_statistics", args=[group.pk]) + "?year=2026"
    )
    assert "1<small> / 3</small>" in page.content.decode()


def test_my_reflections_lists_what_is_owed(client, session, member, expected):
    page = login(client, member).get(reverse("articles:my_reflections"))
    body = page.content.decode()
    assert session.topic in body and "已逾期" in body
    hand_in_reflection(session, member, text=TEXT)
    body = client.get(reverse("articles:my_reflections")).content.decode()
    assert "逾期提交" in body


def test_the_deadline_is_the_end_of_the_local_day(session, expected):
    # 12:00 Beijing time on 12 March is 04:00 UTC: the deadline is 19 March 23:59
    # Beijing time whatever the server's clock says.
    reflection = Reflection(session=session)
    deadline = timezone.localtime(reflection.deadline(7))
    assert (deadline.date(), deadline.hour, deadline.minute) == (
        date(2026, 3, 19),
        23,
        59,
    )
    assert deadline - timezone.localtime(session.ends_at) > timedelta(days=7)


def test_my_reflections_costs_the_same_queries_with_one_and_three_sessions(
    client, group, member, expected
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_session(day: int):
        session = make_session(
            group,
            topic=f"第{day}次专题学习",
            starts_at=at(2026, 4, day, 9),
            ends_at=at(2026, 4, day, 11),
        )
        AttendanceFactory(session=session, member=member)
        return session

    hand_in_reflection(add_session(1), member, text=TEXT)
    url = reverse("articles:my_reflections")
    login(client, member).get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    hand_in_reflection(add_session(2), member, text=TEXT)
    add_session(3)
    with CaptureQueriesContext(connection) as three:
        body = client.get(url).content.decode()
    assert len(three) == len(one)
    assert body.count("第") >= 3 and "第3次专题学习" in body
