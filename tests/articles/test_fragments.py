"""The cached-fragment helper: versions, CSRF slot, owner-only pieces."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

from articles.reading import cache, fragments
from articles.reading.items import CSRF_SLOT
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TEMPLATE = (
    "{% load fragment_tags %}<form>{% csrf_token %}</form>"
    "<p>{{ text }}</p>{% owned_by owner %}<a>edit {{ owner }}</a>{% endowned_by %}"
)


@pytest.fixture
def template_name(settings):
    # A locmem loader before the usual ones; changing TEMPLATES resets the engines.
    base = settings.TEMPLATES[0]
    options = {k: v for k, v in base.get("OPTIONS", {}).items() if k != "loaders"}
    options["loaders"] = [
        ("django.template.loaders.locmem.Loader", {"fragment_test.html": TEMPLATE}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [{**base, "APP_DIRS": False, "OPTIONS": options}]
    return "fragment_test.html"


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def render(user, builds, owner, text="<b>x</b>"):
    def context():
        builds.append(1)
        return {"text": text, "owner": owner}

    return fragments.render_fragment(
        request_for(user), "test", [cache.group(1)], "fragment_test.html", context
    )


def test_built_once_per_version_and_rebuilt_after_a_bump(template_name):
    owner, other = MemberFactory(), MemberFactory()
    builds = []
    first = render(owner, builds, owner.pk)
    second = render(other, builds, owner.pk, text="changed")
    assert builds == [1]
    assert "&lt;b&gt;x&lt;/b&gt;" in first and "&lt;b&gt;x" in second
    cache.bump(cache.group(1))
    third = render(other, builds, owner.pk, text="changed")
    assert builds == [1, 1] and "changed" in third


def test_each_request_gets_its_own_token_and_only_the_owner_the_link(template_name):
    owner, other = MemberFactory(), MemberFactory()
    builds = []
    mine = render(owner, builds, owner.pk)
    theirs = render(other, builds, owner.pk)
    assert f"edit {owner.pk}" in mine and "edit" not in theirs
    for html in (mine, theirs):
        assert CSRF_SLOT not in html and "&lt;csrf-token&gt;" not in html
        assert 'name="csrfmiddlewaretoken" value="' in html


def test_owned_piece_outside_a_fragment_is_for_the_owner_alone():
    owner = MemberFactory()
    template = engines["django"].from_string(
        "{% load fragment_tags %}[{% owned_by owner %}mine{% endowned_by %}]"
    )
    assert template.render({"owner": owner.pk}, request_for(owner)) == "[mine]"
    assert template.render({"owner": owner.pk}, request_for(MemberFactory())) == "[]"
    assert template.render({"owner": owner.pk}, request_for(AnonymousUser())) == "[]"
