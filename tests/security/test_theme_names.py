"""Theme names are checked before django-taggit stores them."""

import pytest
from django.core.exceptions import ValidationError
from taggit.models import Tag

from articles.forms.materials import ArticleAdminForm
from articles.validators import (
    THEME_NAME_MAX_LENGTH,
    clean_theme_name,
    clean_theme_names,
)


def code_of(name):
    with pytest.raises(ValidationError) as caught:
        clean_theme_name(name)
    return caught.value.code


def test_limit_is_the_tag_column():
    assert THEME_NAME_MAX_LENGTH == Tag._meta.get_field("name").max_length == 100


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("  新质生产力 ", "新质生产力"),
        ("京津冀协同发展", "京津冀协同发展"),
        ("ＡＢＣ２０２４", "ABC2024"),  # NFKC: full-width letters and digits
        ("枫" * 100, "枫" * 100),
    ],
)
def test_good_names_are_normalised(name, expected):
    assert clean_theme_name(name) == expected


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("枫" * 101, "too_long"),
        ("党建\x00引领", "control"),
        ("党建\n引领", "control"),
        ("党建\u200b引领", "control"),  # zero-width space
        ("党建\u202e引领", "control"),  # right-to-left override
        ("<script>alert(1)</script>", "forbidden"),
        ('"><img src=x onerror=alert(1)>', "forbidden"),
        ("党建,引领", "forbidden"),
    ],
)
def test_bad_names_are_refused_with_a_code(name, code):
    assert code_of(name) == code


def test_list_drops_repeats_and_caps_the_count():
    assert clean_theme_names(["党建引领", " 党建引领", "基层治理"]) == [
        "党建引领",
        "基层治理",
    ]
    with pytest.raises(ValidationError) as caught:
        clean_theme_names([f"主题{i}" for i in range(11)])
    assert caught.value.code == "too_many"


@pytest.mark.django_db
def test_admin_article_form_refuses_an_overlong_theme_in_chinese():
    form = ArticleAdminForm(
        data={
            "title": "在发展新质生产力上勇争先",
            "status": "draft",
            "tags": "新质生产力, " + "长" * 150,
        }
    )
    assert not form.is_valid()
    assert "主题名称最多 100 个字" in str(form.errors["tags"])
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_admin_article_form_saves_clean_themes():
    form = ArticleAdminForm(
        data={
            "title": "在发展新质生产力上勇争先",
            "status": "draft",
            "tags": "新质生产力, 京津冀协同发展",
        }
    )
    assert form.is_valid(), form.errors
    article = form.save()
    assert sorted(article.tags.names()) == ["京津冀协同发展", "新质生产力"]
