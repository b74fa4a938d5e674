"""In a real browser: the strict CSP breaks nothing in the admin, and a locked-out
member reads why on the login page."""

import pytest

from ..factories import ArticleFactory, ParagraphFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return messages


def test_admin_article_form_works_under_the_policy(
    page, live_server, staff, password, screenshot
):
    article = ArticleFactory(title="以学铸魂 在发展新质生产力上勇争先")
    ParagraphFactory(article=article)
    article.tags.add("新质生产力")
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    # The admin's JS runs: the date shortcuts ("今天" and the calendar) are added by
    # DateTimeShortcuts.js, and the inline's "add another" row by inlines.js.
    assert page.locator(".datetimeshortcuts").first.is_visible()
    page.locator(".datetimeshortcuts a").first.click()
    assert page.input_value("#id_published_on") != ""
    page.locator(".add-row a").first.click()
    assert page.locator("tr.dynamic-paragraphs").count() >= 2
    screenshot(page, "security-admin-under-csp")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.goto(f"{live_server.url}/articles/")
    assert violations == []


def test_locked_out_member_sees_why_on_the_login_page(
    page, live_server, member, password, screenshot
):
    for _ in range(5):
        log_in(page, live_server, "member", "wrong-password")
    alert = page.get_by_role("alert")
    assert "登录失败次数过多" in alert.inner_text()
    assert "15 分钟" in alert.inner_text()
    screenshot(page, "security-login-locked")
    # The right password is refused until the cool-off ends.
    log_in(page, live_server, "member", password)
    assert "/accounts/login/" in page.url
    assert "登录失败次数过多" in page.get_by_role("alert").inner_text()
