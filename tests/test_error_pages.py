"""Error pages speak Chinese and keep the site's look."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_403_page(member):
    request = RequestFactory().get("/")
    request.user = member
    response = defaults.permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in html


def test_500_page_renders_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错" in html
    assert "site" in html and ".css" in html


def test_400_page():
    request = RequestFactory().get("/")
    response = defaults.bad_request(request, Exception())
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
