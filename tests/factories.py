"""Factories for the suite: build real rows, no fixture files."""

from datetime import timedelta

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Member, Membership, StudyGroup
from articles.models import (
    Annotation,
    Article,
    Attendance,
    Paragraph,
    Reply,
    StudySession,
)

PASSWORD = "correct-horse-battery"
# Hashing once keeps the suite fast; every factory member shares this password.
_PASSWORD_HASH = make_password(PASSWORD)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"member{n}")
    display_name = factory.Sequence(lambda n: f"成员{n}")
    position = "处长"
    organisation = "中共天津市南开区委"
    password = _PASSWORD_HASH


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyGroup

    name = factory.Sequence(lambda n: f"第{n}理论学习中心组")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(StudyGroupFactory)
    member = factory.SubFactory(MemberFactory)
    role = Membership.Role.MEMBER


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"在发展新质生产力上勇争先（{n}）")
    byline = "中共天津市工业和信息化局党组理论学习中心组"
    source = "党委（党组）理论学习中心组园地"
    status = Article.Status.PUBLISHED


class ParagraphFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paragraph

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: (n + 1) * 10)
    kind = Paragraph.Kind.BODY
    text = (
        "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"
    )


class AnnotationFactory(factory.django.DjangoModelFactory):
    """An annotation on the first four characters of its paragraph (学不厌精)."""

    class Meta:
        model = Annotation

    author = factory.SubFactory(MemberFactory)
    paragraph = factory.SubFactory(ParagraphFactory)
    start = 0
    end = 4
    quote = factory.LazyAttribute(lambda o: o.paragraph.text[o.start : o.end])
    prefix = factory.LazyAttribute(
        lambda o: o.paragraph.text[max(0, o.start - 32) : o.start]
    )
    suffix = factory.LazyAttribute(lambda o: o.paragraph.text[o.end : o.end + 32])
    note = "要把学习贯彻习近平新时代中国特色社会主义思想作为首要任务。"
    group = None


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply

    annotation = factory.SubFactory(AnnotationFactory)
    author = factory.SubFactory(MemberFactory)
    text = "同意，学习要往深里走、往实里走。"


# Study sessions (issue 4)
class StudySessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudySession

    group = factory.SubFactory(StudyGroupFactory)
    topic = factory.Sequence(lambda n: f"深入学习贯彻党的二十届三中全会精神（第{n}次）")
    form = StudySession.Form.COLLECTIVE
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) - timedelta(days=1)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    place = "区委常委会议室"
    status = StudySession.Status.HELD


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(StudySessionFactory)
    member = factory.SubFactory(MemberFactory)
    status = Attendance.Status.PRESENT
