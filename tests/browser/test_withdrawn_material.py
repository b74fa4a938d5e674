"""In a real browser: a record whose material was taken back to draft shows its
title as a historical fact, marked, and nothing to open or read."""

import pytest

from articles.models import Article, SessionMaterial

from ..factories import (
    ArticleFactory,
    AttendanceFactory,
    ParagraphFactory,
    StudySessionFactory,
)
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_reads_a_record_with_a_withdrawn_material(
    page, live_server, group, member, password, screenshot
):
    session = StudySessionFactory(group=group, topic="南开区委中心组集体学习")
    AttendanceFactory(session=session, member=member)
    kept = ArticleFactory(title="以学铸魂 在发展新质生产力上勇争先")
    withdrawn = ArticleFactory(title="曾经发布后撤回的文章：学习体会汇编")
    ParagraphFactory(article=withdrawn, text="撤回稿正文：此段已撤回，成员不得再读。")
    SessionMaterial.objects.create(session=session, article=kept, position=0)
    SessionMaterial.objects.create(session=session, article=withdrawn, position=1)
    withdrawn.status = Article.Status.DRAFT
    withdrawn.save()

    log_in(page, live_server, member.username, password)
    page.goto(f"{live_server.url}{session.get_absolute_url()}")
    materials = page.get_by_role("row", name="学习材料")

    assert "《曾经发布后撤回的文章：学习体会汇编》（已撤回发布）" in (
        materials.inner_text()
    )
    assert materials.get_by_role("link").count() == 1
    assert "撤回稿正文" not in page.content()
    screenshot(page, "record-withdrawn-material")
