import pytest
from django.core.cache import cache

from accounts.models import Membership

from .factories import (
    PASSWORD,
    ArticleFactory,
    MemberFactory,
    MembershipFactory,
    ParagraphFactory,
    StudyGroupFactory,
)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Production uses the manifest storage, which needs collectstatic first; the
    # suite renders templates without it. tests/test_static.py covers collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    # The read models' cache outlives a test's rolled-back transaction: a layer
    # cached by one test must not be read by the next, whose rows reuse the ids.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def group(db):
    return StudyGroupFactory(name="中共天津市南开区委理论学习中心组")


@pytest.fixture
def other_group(db):
    return StudyGroupFactory(name="中共天津市西青区委理论学习中心组")


def _member_of(group, role, username, display_name):
    member = MemberFactory(username=username, display_name=display_name)
    MembershipFactory(group=group, member=member, role=role)
    return member


@pytest.fixture
def leader(group):
    return _member_of(group, Membership.Role.LEADER, "leader", "张组长")


@pytest.fixture
def secretary(group):
    return _member_of(group, Membership.Role.SECRETARY, "secretary", "李秘书")


@pytest.fixture
def deputy(group):
    return _member_of(group, Membership.Role.DEPUTY, "deputy", "陈副组长")


@pytest.fixture
def member(group):
    return _member_of(group, Membership.Role.MEMBER, "member", "王成员")


@pytest.fixture
def outsider(other_group):
    return _member_of(other_group, Membership.Role.MEMBER, "outsider", "赵外组")


@pytest.fixture
def both(group, other_group):
    """A plain member of both groups."""
    person = MemberFactory(username="both", display_name="钱两组")
    MembershipFactory(group=group, member=person)
    MembershipFactory(group=other_group, member=person)
    return person


@pytest.fixture
def staff(db):
    return MemberFactory(
        username="editor", display_name="编辑", is_staff=True, is_superuser=True
    )


@pytest.fixture
def article(db):
    article = ArticleFactory()
    ParagraphFactory(article=article, kind="heading", text="一、全面系统学")
    ParagraphFactory(article=article)
    return article


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
