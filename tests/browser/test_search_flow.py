"""A member searches 新质生产力 from the header, opens a hit and lands on the
highlighted paragraph."""

import pytest
from django.core.management import call_command

from articles.models import Paragraph

from ..factories import MemberFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(password, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    call_command("load_demo", verbosity=0)
    return MemberFactory(username="reader", display_name="王读者")


def test_member_searches_opens_a_hit_and_lands_on_the_marked_paragraph(
    page, live_server, library, password, screenshot
):
    log_in(page, live_server, "reader", password)
    page.wait_for_url(f"{live_server.url}/")  # the home page

    page.get_by_role("searchbox", name="查找").first.fill("新质生产力")
    page.get_by_role("button", name="查找").first.click()
    page.wait_for_url("**/search/?q=*")
    assert page.get_by_role("heading", name="查找学习材料").is_visible()
    assert "共找到 10 条结果" in page.locator(".search-summary").inner_text()
    first = page.locator(".hit__link").first
    assert first.locator("mark").first.inner_text() == "新质生产力"
    screenshot(page, "search-results-desktop")

    first.click()
    page.wait_for_url("**/articles/*/?q=*#p-*")
    anchor = page.url.rsplit("#", 1)[1]
    paragraph = Paragraph.objects.get(pk=int(anchor.removeprefix("p-")))
    target = page.locator(f"#{anchor}")
    assert target.evaluate("el => el.matches(':target')")
    assert target.locator("mark").first.inner_text() == "新质生产力"
    assert "新质生产力" in paragraph.text
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 300, "the paragraph is in view"
    screenshot(page, "search-landing-desktop", full_page=False)


def test_search_reads_well_at_phone_width(
    phone_page, live_server, library, password, screenshot
):
    log_in(phone_page, live_server, "reader", password)
    phone_page.wait_for_url(f"{live_server.url}/")  # the home page
    phone_page.goto(f"{live_server.url}/search/?q=善作善成")
    assert phone_page.locator(".hit").count() > 0
    screenshot(phone_page, "search-results-phone")
