"""A reply notification on a phone: 王芳's note gets a reply from 陈静; 王芳 sees the
unread count in the header, opens the inbox, follows the notification and lands on
the reader with the reply's thread open. The inbox passes axe-core at both widths."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Member, Membership
from articles.management.commands.load_demo import DEMO_PASSWORD
from articles.models import Article, Notification, Reply
from articles.services import annotate_paragraph

from .conftest import DESKTOP, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "“学在深处”要落到全区产业布局上，请分管区长谈谈体会。"
REPLY = "同意，下次中心组学习时我来汇报产业布局的调研情况。"
# Looked at by a person, not committed (test-artifacts/ holds the suite's own).
SHOTS = Path("/tmp/notify-shots")


@pytest.fixture
def note(db):
    call_command("load_demo", "--no-annotations", verbosity=0)
    article = Article.objects.get(byline="中共天津市工业和信息化局党组理论学习中心组")
    paragraph = article.paragraphs.filter(kind="body").order_by("position")[1]
    author = Member.objects.get(username="wangfang")
    note = annotate_paragraph(
        author=author,
        paragraph=paragraph,
        start=0,
        end=6,
        quote=paragraph.text[:6],
        note=NOTE,
        group=Membership.objects.filter(member=author).first().group,
    )
    # The demo's own notices (its sessions) are read: the count starts at nothing.
    Notification.objects.update(read_at=timezone.now())
    return note


def _axe_violations(page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{v['id']}: {v['nodes'][0]['target']}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_reply_notification_is_seen_and_followed_on_a_phone(
    browser, phone_page, live_server, note
):
    SHOTS.mkdir(exist_ok=True)
    # 陈静, of the same group, replies from her phone.
    log_in(phone_page, live_server, "chenjing", DEMO_PASSWORD)
    phone_page.wait_for_url(f"{live_server.url}/")
    phone_page.goto(f"{live_server.url}{note.get_absolute_url()}")
    thread = phone_page.locator(f"#a-{note.pk}")
    thread.wait_for(state="visible")
    thread.get_by_placeholder("写下您的回复……").fill(REPLY)
    thread.get_by_role("button", name="回复").click()
    phone_page.wait_for_url("**#r-*")
    reply = Reply.objects.get()
    # Her own reply tells her nothing.
    assert phone_page.locator(".inbox-link__count").count() == 0

    # 王芳 on her phone: one unread in the header.
    phone_page.context.clear_cookies()
    log_in(phone_page, live_server, "wangfang", DEMO_PASSWORD)
    phone_page.wait_for_url(f"{live_server.url}/")
    bell = phone_page.get_by_role("link", name="通知")
    assert bell.is_visible()
    assert bell.locator(".inbox-link__count").text_content() == "1未读"
    # In view, not scrolled off with the header's links.
    bell_box = bell.bounding_box()
    assert bell_box["x"] >= 0 and bell_box["x"] + bell_box["width"] <= 390
    header_box = phone_page.locator(".site-header").bounding_box()
    assert header_box["height"] < 60  # still one line
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    bell.click()
    phone_page.wait_for_url("**/notifications/")
    item = phone_page.locator("li.notification--unread")
    assert item.count() == 1
    assert "陈静回复了您在《" in item.inner_text()
    assert REPLY[:20] in item.inner_text()
    phone_page.screenshot(path=str(SHOTS / "inbox-390.png"), full_page=True)
    assert _axe_violations(phone_page) == []

    item.get_by_role("link").click()
    phone_page.wait_for_url(f"**?focus={note.pk}#r-{reply.pk}")
    shown = phone_page.locator(f"#r-{reply.pk}")
    shown.wait_for(state="visible")
    assert REPLY in shown.inner_text()
    assert NOTE in phone_page.locator(f"#a-{note.pk}").inner_text()
    phone_page.screenshot(path=str(SHOTS / "reader-after-390.png"))
    assert phone_page.locator(".inbox-link__count").count() == 0
    assert Notification.objects.get(kind="reply", target_id=reply.pk).is_read

    # The inbox at desktop width, read now.
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server, "wangfang", DEMO_PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/notifications/")
        assert page.locator("li.notification").count() >= 1
        page.screenshot(path=str(SHOTS / "inbox-1280.png"), full_page=True)
        assert _axe_violations(page) == []
    finally:
        context.close()
