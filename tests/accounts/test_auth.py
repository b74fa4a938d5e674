"""Login, logout, password change and the deny-by-default rule."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/articles/",
        "/articles/1/",
        "/themes/x/",
        "/accounts/profile/",
        "/accounts/password/",
    ],
)
def test_anonymous_requests_go_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_public_and_chinese(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "登录" in html
    assert 'lang="zh-hans"' in html


def test_member_logs_in_and_lands_on_home(client, member, password):
    response = client.post(
        reverse("login"), {"username": "member", "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "王成员" in response.content.decode()


def test_wrong_password_gets_chinese_error(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "x"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(member_client):
    assert member_client.get(reverse("logout")).status_code == 405
    response = member_client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in member_client.session


def test_password_change(member_client, member, password):
    response = member_client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "新的密码-2024-long",
            "new_password2": "新的密码-2024-long",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("新的密码-2024-long")


def test_profile_lists_groups_and_roles(client, secretary):
    client.force_login(secretary)
    html = client.get(reverse("profile")).content.decode()
    assert "中共天津市南开区委理论学习中心组" in html
    assert "学习秘书" in html


def test_admin_refuses_non_staff(member_client):
    response = member_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert member_client.get("/admin/articles/article/").status_code == 302


def test_admin_opens_for_staff(client, staff):
    client.force_login(staff)
    response = client.get("/admin/articles/article/")
    assert response.status_code == 200


def test_404_page_is_chinese(member_client):
    response = member_client.get("/articles/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
