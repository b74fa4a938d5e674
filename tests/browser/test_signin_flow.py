"""Sign-in at the meeting: the room's screen (1920×1080) and a member's phone (390 px).

The member opens the URL the QR code holds, logs in, comes back, signs in, and
appears on the keeper's live list within a few seconds, without a reload.
Screenshots go to /tmp/signin-shots/ for a person to look at (not committed).
"""

from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from articles.models import Attendance, SignIn

from ..articles.sessions_support import make_session
from .conftest import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/signin-shots")
PROJECTOR = {"width": 1920, "height": 1080}


@pytest.fixture
def meeting(group, leader, secretary, member):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    return make_session(
        group,
        status="planned",
        topic="学习贯彻党的二十届四中全会精神 推动高质量发展",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="区委第一会议室",
    )


def _serious(axe, page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_member_scans_and_appears_on_the_keepers_screen(
    browser, live_server, meeting, member, password
):
    SHOTS.mkdir(exist_ok=True)
    axe = Axe()
    room = browser.new_context(viewport=PROJECTOR, locale="zh-CN")
    screen = room.new_page()
    screen.set_default_timeout(15_000)
    phone_context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(15_000)
    try:
        log_in(screen, live_server, "secretary", password)
        screen.wait_for_url(f"{live_server.url}/")
        screen.goto(f"{live_server.url}/sessions/{meeting.pk}/check-in/screen/")
        code = screen.locator("[data-code]")
        assert code.locator("svg").is_visible()
        url = code.get_attribute("data-url")
        assert url.startswith(f"{live_server.url}/sessions/{meeting.pk}/check-in/?t=")
        assert screen.locator("[data-signed]").inner_text() == "0"
        assert screen.locator("[data-expected]").inner_text() == "3"
        box = code.bounding_box()
        assert box["width"] >= 500  # readable from the back of the room
        assert _serious(axe, screen) == []

        # The member's phone opens the code's URL: not logged in yet.
        phone.goto(url)
        phone.wait_for_url(f"**/sessions/{meeting.pk}/check-in/")
        assert phone.get_by_role("link", name="登录并签到").is_visible()
        phone.screenshot(
            path=str(SHOTS / "member-scan-anonymous-390.png"), full_page=True
        )
        assert _serious(axe, phone) == []
        phone.get_by_role("link", name="登录并签到").click()
        phone.get_by_label("用户名").fill("member")
        phone.get_by_label("密码").fill(password)
        phone.get_by_role("button", name="登录").click()
        phone.wait_for_url(f"**/sessions/{meeting.pk}/check-in/")
        assert phone.get_by_text("您将以王成员的身份签到").is_visible()
        phone.screenshot(path=str(SHOTS / "member-confirm-390.png"), full_page=True)
        assert _serious(axe, phone) == []
        phone.get_by_role("button", name="签到", exact=True).click()
        phone.wait_for_url(f"**/sessions/{meeting.pk}/check-in/")
        assert phone.get_by_text("签到成功。").is_visible()
        assert phone.get_by_text("王成员，您已于").is_visible()
        phone.screenshot(path=str(SHOTS / "member-signed-390.png"), full_page=True)
        assert _serious(axe, phone) == []

        # The room's list shows the member within a few seconds, without a reload.
        names = screen.locator("[data-members]")
        names.get_by_text("王成员").wait_for(timeout=6_000)
        assert screen.locator("[data-signed]").inner_text() == "1"
        # The code changes when its slot ends (at most 30 s) and is still drawn.
        screen.wait_for_function(
            "url => document.querySelector('[data-code]').dataset.url !== url",
            arg=url,
            timeout=35_000,
        )
        assert code.locator("svg path").is_visible()
        assert code.get_attribute("data-url") != url
        screen.screenshot(path=str(SHOTS / "screen-1920.png"))
        assert _serious(axe, screen) == []

        # The keeper's attendance screen: who signed in themselves, and when; the
        # others are left unmarked for the keeper.
        screen.goto(f"{live_server.url}/sessions/{meeting.pk}/attendance/")
        row = screen.locator("tr.attendance-row", has_text="王成员")
        assert "签到" in row.locator(".attendance-row__signed").inner_text()
        assert row.get_by_label("出席", exact=True).is_checked()
        leader = screen.locator("tr.attendance-row", has_text="张组长")
        assert leader.locator(".attendance-row__unsigned").is_visible()
        assert not leader.locator("input:checked").count()
        screen.screenshot(path=str(SHOTS / "attendance-after-sign-in.png"))
        assert _serious(axe, screen) == []
    finally:
        room.close()
        phone_context.close()

    sign_in = SignIn.objects.get(session=meeting, member=member)
    assert sign_in.status == SignIn.Status.PRESENT
    attendance = Attendance.objects.get(session=meeting, member=member)
    assert attendance.status == Attendance.Status.PRESENT


def test_observer_enters_name_on_the_phone(browser, live_server, meeting, password):
    SHOTS.mkdir(exist_ok=True)
    from articles.services.signin import make_code_token

    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    try:
        token = make_code_token(meeting)
        phone.goto(f"{live_server.url}/sessions/{meeting.pk}/check-in/?t={token}")
        phone.get_by_label("姓名").fill("孙晓")
        phone.get_by_label("单位").fill("区委宣传部理论科")
        phone.get_by_role("button", name="登记列席").click()
        phone.wait_for_url(f"**/sessions/{meeting.pk}/check-in/")
        assert phone.get_by_text("孙晓（区委宣传部理论科） · 待确认").is_visible()
        phone.screenshot(path=str(SHOTS / "observer-entered-390.png"), full_page=True)
        assert _serious(Axe(), phone) == []
    finally:
        context.close()
