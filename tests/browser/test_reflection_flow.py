"""A member hands in a reflection on the phone (390 px): the form, a Word file, the
page that shows it, sharing; the keeper's overview. axe-core on each page."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from articles.models import Attendance, GroupStudySettings, MakeUpStudy, Reflection

from ..articles import seed_variants as seed
from ..articles.sessions_support import make_session
from ..factories import AttendanceFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots a person looks at; outside the repository (not committed).
SHOTS = Path(os.environ.get("REFLECT_SHOTS", "/tmp/reflect-shots"))
TEXT = "这次学习让我认识到，基层治理要坚持党建引领，把矛盾化解在基层。"


def serious(axe, page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def held(group, leader, secretary, member):
    GroupStudySettings.objects.create(
        group=group, reflections_expected=True, reflection_days=7
    )
    ended = timezone.now() - timedelta(days=1)
    session = make_session(
        group,
        topic="以党建引领基层治理创新 推动城市治理现代化",
        starts_at=ended - timedelta(hours=3),
        ends_at=ended,
    )
    AttendanceFactory(session=session, member=leader)
    AttendanceFactory(session=session, member=secretary)
    leave = AttendanceFactory(
        session=session,
        member=member,
        status=Attendance.Status.ON_LEAVE,
        leave_reason="外出调研",
    )
    MakeUpStudy.objects.create(attendance=leave)
    return session


def test_member_hands_in_a_reflection_on_the_phone(
    phone_page, live_server, held, member, secretary, password, tmp_path
):
    page = phone_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems = {}
    log_in(page, live_server, member.username, password)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}{reverse('articles:my_reflections')}")
    assert page.get_by_text("未提交").first.is_visible()
    problems["list"] = serious(axe, page)
    page.screenshot(path=str(SHOTS / "my-reflections-390.png"), full_page=True)

    page.get_by_role("link", name="提交我的学习心得").first.click()
    page.get_by_label("我的学习心得").fill(TEXT)
    word = tmp_path / "我的心得.docx"
    word.write_bytes(seed.as_docx())
    page.get_by_label("或上传文件").set_input_files(str(word))
    page.get_by_label("这是我对缺席的这次学习的补学体会").check()
    problems["form"] = serious(axe, page)
    page.screenshot(path=str(SHOTS / "reflection-form-390.png"), full_page=True)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="提交我的学习心得").click()

    page.wait_for_url("**/reflections/*/")
    assert page.get_by_text("您的学习心得已提交").is_visible()
    assert page.get_by_text(TEXT).is_visible()
    assert page.get_by_text("仅作者和记录负责人可见").is_visible()
    problems["detail"] = serious(axe, page)
    page.screenshot(path=str(SHOTS / "reflection-detail-390.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 我的心得.docx").click()
    assert download.value.suggested_filename == "我的心得.docx"

    page.get_by_role("button", name="与我所在的中心组共享").click()
    assert page.get_by_text("已与中心组共享").first.is_visible()
    reflection = Reflection.objects.get(author=member)
    assert reflection.shared and reflection.for_make_up
    assert MakeUpStudy.objects.get(attendance__member=member).is_done

    page.goto(f"{live_server.url}{reverse('articles:my_archive')}")
    assert page.locator("#reflections").get_by_text(TEXT).is_visible()
    problems["archive"] = serious(axe, page)
    page.screenshot(path=str(SHOTS / "archive-reflections-390.png"), full_page=True)

    # The secretary's overview, on the phone too.
    page.context.clear_cookies()
    log_in(page, live_server, secretary.username, password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(
        f"{live_server.url}{reverse('articles:session_reflections', args=[held.pk])}"
    )
    assert page.get_by_text("1 / 3").is_visible()
    problems["overview"] = serious(axe, page)
    page.screenshot(path=str(SHOTS / "keeper-overview-390.png"), full_page=True)
    assert {k: v for k, v in problems.items() if v} == {}
