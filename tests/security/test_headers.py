"""Deployment checklist, Content-Security-Policy, framing and caching headers."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
# A <script> element without src, or a style="" attribute / <style> element: all
# blocked by the policy, so none may be in a page we serve.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    return {
        **env,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "study.example.cn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://study.example.cn",
    }


def test_production_settings_pass_the_deployment_checklist():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_use_https_cookies_and_argon2():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_NAME,"
        " s.CSRF_COOKIE_NAME, s.SECURE_PROXY_SSL_HEADER[0], s.PASSWORD_HASHERS[0],"
        " s.AXES_IPWARE_META_PRECEDENCE_ORDER[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "studyhub.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "31536000",
        "__Host-sessionid",
        "__Host-csrftoken",
        "HTTP_X_FORWARDED_PROTO",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "HTTP_X_FORWARDED_FOR",
    ]


@pytest.mark.django_db
def test_member_page_is_not_framed_not_cached_and_has_the_policy(
    member_client, article
):
    response = member_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert article.title in response.content.decode()
    policy = response["Content-Security-Policy"]
    for directive in POLICY:
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_login_page_has_the_policy_and_is_not_cached(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_health_check_is_public_and_plain(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert not response.cookies
    assert client.post(reverse("healthz")).status_code == 405


@pytest.mark.django_db
def test_our_pages_hold_no_inline_script_or_style(client, member, staff, article):
    client.force_login(staff)
    pages = [
        reverse("articles:list"),
        article.get_absolute_url(),
        reverse("profile"),
        reverse("password_change"),
        reverse("password_change_done"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
        assert not INLINE_HANDLER.search(html), url
    client.logout()
    html = client.get(reverse("login")).content.decode()
    assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html)


@pytest.mark.django_db
def test_admin_pages_hold_no_inline_script_or_style(client, staff, article):
    """The strict policy applies to /admin/ too: Django 5.2's admin keeps its JS in
    files and passes data in data- attributes, so no relaxed policy is needed."""
    article.tags.add("党建引领")
    client.force_login(staff)
    paragraph = article.paragraphs.first()
    pages = [
        "/admin/",
        "/admin/articles/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/history/",
        f"/admin/articles/article/{article.pk}/delete/",
        "/admin/articles/article/import/",
        f"/admin/articles/paragraph/{paragraph.pk}/change/",
        "/admin/articles/paragraph/",
        "/admin/accounts/member/",
        f"/admin/accounts/member/{staff.pk}/change/",
        f"/admin/accounts/member/{staff.pk}/password/",
        "/admin/taggit/tag/",
        "/admin/axes/accessattempt/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html))
        assert not INLINE_STYLE.search(html), (url, INLINE_STYLE.search(html))
        assert "script-src 'self'" in response["Content-Security-Policy"]
