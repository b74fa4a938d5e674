"""A member logs in, opens the list, opens an article and follows a paragraph anchor."""

import pytest
from django.core.management import call_command

from articles.models import Article

from ..factories import MemberFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library(password):
    call_command("load_demo", verbosity=0)
    return MemberFactory(username="reader", display_name="王读者")


def test_member_reads_an_article_and_follows_an_anchor(
    page, live_server, library, password, screenshot
):
    page.goto(f"{live_server.url}/articles/")
    assert "/accounts/login/" in page.url
    screenshot(page, "login-desktop")

    log_in(page, live_server, "reader", password)
    page.wait_for_url(f"{live_server.url}/")  # the home page
    page.goto(f"{live_server.url}/articles/")
    assert page.get_by_role("heading", name="学习材料").is_visible()
    titles = page.locator(".article-card__title").all_inner_texts()
    assert len(titles) == 4
    screenshot(page, "list-desktop")

    article = Article.objects.get(byline="中共天津市工业和信息化局党组理论学习中心组")
    page.get_by_role("link", name=article.title).click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.locator("h1.reader__title").inner_text() == article.title
    # Text content, not innerText: paragraph blocks off screen are not rendered
    # until scrolled near (content-visibility), and innerText reads the rendering.
    headings = page.locator("h2.reader__heading").all_text_contents()
    assert [h.rstrip("#").strip()[:2] for h in headings] == ["一、", "二、", "三、"]
    screenshot(page, "reader-desktop")

    paragraph = article.paragraphs.filter(kind="body").order_by("position")[3]
    page.goto(f"{live_server.url}{paragraph.get_absolute_url()}")
    target = page.locator(f"#{paragraph.anchor}")
    assert target.evaluate("el => el.matches(':target')")
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 200, "the anchor scrolls into view"
    screenshot(page, "reader-anchor-desktop", full_page=False)


def test_pages_read_well_at_phone_width(
    phone_page, live_server, library, password, screenshot
):
    phone_page.goto(f"{live_server.url}/accounts/login/")
    screenshot(phone_page, "login-phone")
    log_in(phone_page, live_server, "reader", password)
    phone_page.wait_for_url(f"{live_server.url}/")  # the home page
    phone_page.goto(f"{live_server.url}/articles/")
    screenshot(phone_page, "list-phone")

    article = Article.objects.get(byline="中共天津市南开区委理论学习中心组")
    phone_page.goto(f"{live_server.url}{article.get_absolute_url()}")
    screenshot(phone_page, "reader-phone")

    # Nothing overflows sideways: the page is as wide as the phone.
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    font_px = phone_page.locator(".reader__para").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert font_px >= 17
