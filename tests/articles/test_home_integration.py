"""The home page after annotations met sessions: recent notes and replies in my
groups (through the one visibility rule) and what I have read of my next session's
materials, in a number of queries that does not grow with the data."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.services import (
    delete_annotation,
    mark_article_studied,
    set_session_materials,
)

from ..factories import (
    AnnotationFactory,
    ArticleFactory,
    ParagraphFactory,
    ReplyFactory,
)
from .sessions_support import bundled_article, make_session

pytestmark = pytest.mark.django_db


def _paragraph(article):
    return article.paragraphs.filter(kind="body").order_by("position").first()


def _upcoming(group, articles, topic="下月专题：推动文化传承发展", days=5):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    session = make_session(
        group,
        topic=topic,
        status="planned",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    set_session_materials(session, articles)
    return session


@pytest.fixture
def notes(member, secretary, leader, outsider, group, other_group):
    """One annotation or reply of every visibility case, on a real article."""
    paragraph = _paragraph(bundled_article())
    shared = AnnotationFactory(
        author=secretary, paragraph=paragraph, group=group, note="组内共享的批注"
    )
    AnnotationFactory(author=secretary, paragraph=paragraph, note="秘书的私人笔记")
    AnnotationFactory(author=member, paragraph=paragraph, note="我自己的私人笔记")
    theirs = AnnotationFactory(
        author=outsider, paragraph=paragraph, group=other_group, note="别组共享的批注"
    )
    reply = ReplyFactory(annotation=shared, author=leader, text="组长的回复：说得好")
    ReplyFactory(annotation=theirs, author=outsider, text="别组内部的回复")
    return {"shared": shared, "theirs": theirs, "reply": reply}


def test_member_sees_group_annotations_and_replies_only(client, member, notes):
    client.force_login(member)

    html = client.get(reverse("home")).content.decode()

    assert "本组最新批注与回复" in html
    assert "组内共享的批注" in html
    assert "组长的回复：说得好" in html
    assert "秘书的私人笔记" not in html
    assert "别组共享的批注" not in html
    assert "别组内部的回复" not in html
    # My own private notes belong on my own page, not in the group's activity.
    assert "我自己的私人笔记" not in html


def test_other_group_member_sees_only_their_group(client, outsider, notes):
    client.force_login(outsider)

    html = client.get(reverse("home")).content.decode()

    assert "别组共享的批注" in html
    assert "别组内部的回复" in html
    assert "组内共享的批注" not in html
    assert "组长的回复：说得好" not in html
    assert "秘书的私人笔记" not in html


def test_recent_notes_link_into_the_reader(client, member, notes):
    client.force_login(member)
    shared, reply = notes["shared"], notes["reply"]
    reader = reverse("articles:detail", args=[shared.paragraph.article_id])

    html = client.get(reverse("home")).content.decode()

    assert f"{reader}?focus={shared.pk}#a-{shared.pk}" in html
    assert f"{reader}?focus={shared.pk}#r-{reply.pk}" in html


def test_deleted_annotation_and_its_replies_leave_the_home_page(
    client, member, secretary, notes
):
    delete_annotation(notes["shared"], by=secretary)
    client.force_login(member)

    html = client.get(reverse("home")).content.decode()

    assert "组内共享的批注" not in html
    assert "组长的回复：说得好" not in html
    assert "本组还没有人共享批注。" in html


def test_next_session_marks_what_i_have_read(client, member, secretary, group):
    read, unread = bundled_article(), ArticleFactory(title="在发展新质生产力上勇争先")
    ParagraphFactory(article=unread)
    _upcoming(group, [read, unread])
    mark_article_studied(member, read)
    mark_article_studied(secretary, unread)  # someone else's reading is not mine
    client.force_login(member)

    html = client.get(reverse("home")).content.decode()

    assert html.count("✓ 已学习") == 1
    assert html.count("尚未学习") == 1
    assert html.index(read.title) < html.index("✓ 已学习")
    assert html.index(unread.title) < html.index("尚未学习")


def test_home_query_count_does_not_grow_with_notes_and_sessions(
    client, member, secretary, leader, group, django_assert_max_num_queries
):
    article = bundled_article()
    paragraph = _paragraph(article)
    _upcoming(group, [article], topic="专题一", days=3)
    first = AnnotationFactory(author=secretary, paragraph=paragraph, group=group)
    ReplyFactory(annotation=first, author=leader)
    mark_article_studied(member, article)
    client.force_login(member)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("home"))

    for index in range(12):
        other = ArticleFactory()
        ParagraphFactory(article=other)
        _upcoming(group, [article, other], topic=f"专题{index}", days=4 + index)
        mark_article_studied(member, other)
        shared = AnnotationFactory(
            author=secretary, paragraph=paragraph, group=group, note=f"批注{index}"
        )
        ReplyFactory(annotation=shared, author=leader, text=f"回复{index}")
    # Factories write past the services, which keep the cache current; and the
    # second count must be cold too, like the first.
    cache.clear()
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(reverse("home"))

    html = response.content.decode()
    assert html.count("activity-item--annotation") == 5
    assert html.count("activity-item--reply") == 5
    assert len(many) == len(few)
