"""The secretary keeps a session's record; a member reads it and follows a citation."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from articles.models import Attendance, DiscussionNote, StudySession

from ..articles.sessions_support import bundled_article, make_session
from ..factories import MemberFactory, MembershipFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def planned(group, leader, secretary, member):
    for index, name in enumerate(["赵强", "王芳", "陈静"]):
        MembershipFactory(
            group=group,
            member=MemberFactory(username=f"extra{index}", display_name=name),
        )
    article = bundled_article()
    yesterday = timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(yesterday, time(9, 0)))
    session = make_session(
        group,
        article=article,
        status="planned",
        topic="以党建引领基层治理创新 推动城市治理现代化",
        starts_at=start,
        ends_at=start + timedelta(hours=2, minutes=30),
        host=leader,
        recorder=secretary,
        summary="集中学习《以党建引领基层治理创新》，围绕党建引领基层治理开展研讨。",
    )
    return session, article


def test_secretary_keeps_the_record_and_member_follows_a_citation(
    browser, page, phone_page, live_server, planned, password, screenshot, member
):
    session, article = planned
    paragraph = article.paragraphs.filter(kind="body").order_by("position")[1]

    log_in(page, live_server, "secretary", password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    page.get_by_role("link", name="登记考勤").click()
    page.wait_for_url("**/attendance/")
    row = page.locator("tr.attendance-row", has_text="王成员")
    row.get_by_label("请假", exact=True).check()
    reason = page.get_by_label("王成员的请假原因")
    # The script makes the reason required and puts the cursor there.
    assert reason.evaluate("el => el.required && el === document.activeElement")
    reason.fill("赴市委党校参加培训")
    page.get_by_label("列席人员（不计入出勤）").fill("孙晓，区委宣传部理论科")
    screenshot(page, "session-attendance-desktop")
    page.get_by_role("button", name="保存考勤").click()
    page.wait_for_url(f"**{session.get_absolute_url()}")
    assert page.get_by_text("考勤已保存。").is_visible()

    page.get_by_role("link", name="记录发言").click()
    page.get_by_label("发言人", exact=True).select_option(label="张组长")
    page.get_by_label("发言类型").select_option(label="中心发言")
    page.get_by_label("发言内容").fill(
        "党建引领是基层治理的“根”和“魂”，要把党的领导贯穿基层治理全过程。"
    )
    page.get_by_label(paragraph.text[:60] + "…").check()
    screenshot(page, "session-note-form-desktop")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**{session.get_absolute_url()}#speeches")

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="归档本记录").click()
    page.wait_for_url(f"**{session.get_absolute_url()}")
    assert page.locator(".session-status").first.inner_text() == "已归档"
    assert "归档后，每次修改都须说明原因" in dialogs[0]
    screenshot(page, "session-record-desktop")

    session.refresh_from_db()
    assert session.status == StudySession.Status.ARCHIVED
    leave = Attendance.objects.get(session=session, member=member)
    assert (leave.status, leave.leave_reason) == ("on_leave", "赴市委党校参加培训")
    assert hasattr(leave, "make_up")
    keynote = DiscussionNote.objects.get(session=session)
    assert list(keynote.cited_paragraphs.all()) == [paragraph]

    page.goto(f"{live_server.url}/groups/{session.group_id}/statistics/")
    assert page.locator("svg.chart").first.is_visible()
    screenshot(page, "session-statistics-desktop")
    page.goto(f"{live_server.url}/sessions/")
    screenshot(page, "session-list-desktop")
    page.goto(f"{live_server.url}{session.get_absolute_url()}sign-in/")
    assert page.get_by_text("签名").first.is_visible()
    screenshot(page, "session-sign-in-desktop")
    page.emulate_media(media="print")
    screenshot(page, "session-sign-in-print")
    page.emulate_media(media="screen")

    # The member, on a phone, reads the record and follows the citation.
    log_in(phone_page, live_server, "member", password)
    phone_page.wait_for_url(f"{live_server.url}/")
    screenshot(phone_page, "home-phone")
    phone_page.goto(f"{live_server.url}{session.get_absolute_url()}")
    assert phone_page.get_by_text("赴市委党校参加培训").is_visible()
    screenshot(phone_page, "session-record-phone")
    phone_page.locator("a.citation").click()
    phone_page.wait_for_url(f"**{article.get_absolute_url()}#{paragraph.anchor}")
    target = phone_page.locator(f"#{paragraph.anchor}")
    assert target.evaluate("el => el.matches(':target')")
    assert phone_page.get_by_text("本段在以下学习中被讨论").first.is_visible()
    screenshot(phone_page, "reader-citation-phone", full_page=False)

    phone_page.goto(f"{live_server.url}/groups/{session.group_id}/statistics/")
    screenshot(phone_page, "session-statistics-phone")
    phone_page.goto(f"{live_server.url}/archive/")
    assert phone_page.get_by_text("赴市委党校参加培训").is_visible()
    screenshot(phone_page, "member-archive-phone")
    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True
    )
    secretary_phone = phone_context.new_page()
    log_in(secretary_phone, live_server, "secretary", password)
    secretary_phone.wait_for_url(f"{live_server.url}/")
    secretary_phone.goto(f"{live_server.url}{session.get_absolute_url()}attendance/")
    screenshot(secretary_phone, "session-attendance-phone")
    phone_context.close()
