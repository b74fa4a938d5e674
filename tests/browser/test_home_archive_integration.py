"""A member's home page and study archive with annotations, replies and reading
progress, at desktop and phone width (screenshots looked at by a person)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.services import (
    annotate_paragraph,
    mark_article_studied,
    reply_to_annotation,
    set_session_materials,
)

from ..articles.sessions_support import bundled_article, make_session
from ..factories import ArticleFactory, ParagraphFactory
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def activity(group, leader, secretary, member):
    article = bundled_article()
    other = ArticleFactory(title="在发展新质生产力上勇争先")
    ParagraphFactory(article=other)
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    session = make_session(
        group,
        article=article,
        status="planned",
        topic="以党建引领基层治理创新 推动城市治理现代化",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        host=leader,
    )
    set_session_materials(session, [article, other])
    mark_article_studied(member, article)
    paragraph = article.paragraphs.filter(kind="body").order_by("position")[1]
    quote = paragraph.text[:12]
    shared = annotate_paragraph(
        author=secretary,
        paragraph=paragraph,
        start=0,
        end=12,
        quote=quote,
        note="基层治理要把党建引领贯穿始终，请大家结合本单位实际谈体会。",
        group=group,
    )
    reply_to_annotation(
        shared, author=leader, text="同意。下次学习会请各位准备一个具体案例。"
    )
    annotate_paragraph(
        author=member,
        paragraph=paragraph,
        start=0,
        end=12,
        quote=quote,
        note="我的私人笔记：回去对照检查本部门的网格化管理。",
    )
    annotate_paragraph(
        author=member,
        paragraph=paragraph,
        start=0,
        end=12,
        quote=quote,
        note="建议在社区推广“吹哨报到”的做法。",
        group=group,
    )
    return shared


def test_home_shows_group_notes_and_reading_marks(
    page, phone_page, live_server, member, password, activity, screenshot
):
    for view, suffix in ((page, "desktop"), (phone_page, "phone")):
        log_in(view, live_server, "member", password)
        view.wait_for_url(f"{live_server.url}/")
        body = view.locator("body")
        assert "本组最新批注与回复" in body.inner_text()
        assert "✓ 已学习" in body.inner_text()
        assert "尚未学习" in body.inner_text()
        assert "我的私人笔记" not in body.inner_text()
        screenshot(view, f"home-integration-{suffix}")

    page.locator(f'.activity-item--annotation a[href*="focus={activity.pk}#"]').click()
    page.wait_for_url(re.compile(rf"/articles/\d+/\?focus={activity.pk}"))
    assert "请大家结合本单位实际谈体会" in page.locator("body").inner_text()


def test_archive_shows_annotations_and_studied_articles(
    page, phone_page, live_server, member, leader, password, activity, screenshot
):
    log_in(page, live_server, "member", password)
    page.goto(f"{live_server.url}/archive/")
    text = page.locator("body").inner_text()
    assert "我的私人笔记" in text and "已学习文章" in text
    screenshot(page, "archive-integration-desktop")

    log_in(phone_page, live_server, "leader", password)
    phone_page.goto(f"{live_server.url}/archive/{member.pk}/")
    text = phone_page.locator("body").inner_text()
    assert "吹哨报到" in text
    assert "我的私人笔记" not in text
    screenshot(phone_page, "archive-integration-leader-phone")
