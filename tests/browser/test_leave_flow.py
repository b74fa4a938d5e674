"""On a phone: a member asks for leave, the leader approves it in another
browser, and the secretary's attendance screen shows the member on leave with
the reason and who approved it. Every leave page passes axe-core."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from articles.models import LeaveRequest

from ..articles.sessions_support import make_session
from .conftest import PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REASON = "赴市委党校参加处级干部进修班"
# Looked at by a person, not committed (see the task): LEAVE_SHOTS overrides.
SHOTS = Path(os.environ.get("LEAVE_SHOTS", "/tmp/leave-shots"))


@pytest.fixture
def upcoming(group, leader, secretary, member):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    return make_session(
        group,
        status="planned",
        topic="深入学习贯彻党的二十届四中全会精神",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )


def _phone(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _axe_problems(axe, page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_member_asks_leader_approves_keeper_sees_it(
    browser, phone_page, live_server, upcoming, password
):
    axe = Axe()
    problems = {}
    page = phone_page

    # The member, on the session's page, asks for leave.
    log_in(page, live_server, "member", password)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{upcoming.get_absolute_url()}")
    _shot(page, "1-session-member-before")
    page.locator("#leave").get_by_role("link", name="我要请假").click()
    page.wait_for_url("**/leave/")
    page.get_by_label("请假原因").fill(REASON)
    problems["leave_form"] = _axe_problems(axe, page)
    _shot(page, "2-leave-form")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/leave/*/")
    assert page.get_by_text("请假申请已提交").is_visible()
    assert page.get_by_text("待审批").first.is_visible()
    problems["leave_detail_member"] = _axe_problems(axe, page)
    _shot(page, "3-leave-detail-pending")

    # The leader, in another browser, sees it waiting and approves.
    context, leader = _phone(browser)
    try:
        log_in(leader, live_server, "leader", password)
        leader.wait_for_url(f"{live_server.url}/")
        leader.goto(f"{live_server.url}/leave/")
        problems["leave_list_leader"] = _axe_problems(axe, leader)
        _shot(leader, "4-leave-list-leader")
        leader.get_by_role("link", name="王成员").click()
        leader.get_by_label("审批意见（选填）").fill("同意，请会后及时补学")
        problems["leave_detail_leader"] = _axe_problems(axe, leader)
        _shot(leader, "5-leave-decide")
        leader.get_by_role("button", name="批准", exact=True).click()
        leader.wait_for_url("**/leave/*/")
        assert leader.get_by_text("已批准请假").is_visible()
    finally:
        context.close()
    leave = LeaveRequest.objects.get()
    assert leave.status == LeaveRequest.Status.APPROVED

    # The member sees the decision on the list and on the session's page.
    page.goto(f"{live_server.url}/leave/")
    assert page.get_by_text("张组长于").first.is_visible()
    problems["leave_list_member"] = _axe_problems(axe, page)
    _shot(page, "6-leave-list-member")
    page.goto(f"{live_server.url}{upcoming.get_absolute_url()}")
    assert page.locator("#leave").get_by_text("已批准").is_visible()
    problems["session_detail_member"] = _axe_problems(axe, page)
    _shot(page, "7-session-member-approved")

    # The secretary's attendance screen: on leave, the reason, the approver.
    context, keeper = _phone(browser)
    try:
        log_in(keeper, live_server, "secretary", password)
        keeper.wait_for_url(f"{live_server.url}/")
        keeper.goto(f"{live_server.url}/sessions/{upcoming.pk}/attendance/")
        row = keeper.locator("tr.attendance-row", has_text="王成员")
        assert row.get_by_label("请假", exact=True).is_checked()
        assert row.get_by_label("王成员的请假原因").input_value() == REASON
        assert row.get_by_text("经张组长批准").is_visible()
        problems["attendance_keeper"] = _axe_problems(axe, keeper)
        _shot(keeper, "8-attendance-keeper")
    finally:
        context.close()

    assert {k: v for k, v in problems.items() if v} == {}
