"""django-axes through the real login form: lockout per username and address, the
cool-off, the address behind the proxy, and the Chinese message on our page."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from ..factories import MemberFactory
from .conftest import events

pytestmark = pytest.mark.django_db

LOCKOUT_TEXT = "登录失败次数过多"
PROXY = {
    "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
}


def attempt(client, username, password, **meta):
    return client.post(
        reverse("login"), {"username": username, "password": password}, **meta
    )


def fail(client, times, username="member", **meta):
    return [attempt(client, username, "wrong-password", **meta) for _ in range(times)]


def test_four_failures_then_the_right_password_logs_in(client, member, password):
    responses = fail(client, 4)
    assert all(r.status_code == 200 for r in responses)
    assert "请输入一个正确的" in responses[-1].content.decode()
    response = attempt(client, "member", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)
    # A success resets the count: four more failures still do not lock.
    client.logout()
    assert all(r.status_code == 200 for r in fail(client, 4))


def test_fifth_failure_locks_with_a_chinese_message_on_the_login_page(
    client, member, password
):
    response = fail(client, 5)[-1]
    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKOUT_TEXT in html
    assert "15" in html  # when to try again
    # Our login page, with the form and the name the member typed.
    assert "登录学习中心组" in html or "登录" in html
    assert 'name="username"' in html and 'value="member"' in html
    assert 'name="password"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]

    # Even the right password is refused while locked, and no session is made.
    response = attempt(client, "member", password)
    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, member, password):
    MemberFactory(username="colleague")
    fail(client, 5, REMOTE_ADDR="10.1.1.1")
    # The same member from another computer, and a colleague from the same one.
    assert (
        attempt(client, "member", password, REMOTE_ADDR="10.1.1.2").status_code == 302
    )
    client.logout()
    response = attempt(client, "colleague", password, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302


def test_lockout_ends_after_the_cool_off(client, member, password):
    fail(client, 5)
    assert attempt(client, "member", password).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    response = attempt(client, "member", password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_client_address_is_taken_from_the_proxy_header(
    client, member, password, settings
):
    for name, value in PROXY.items():
        setattr(settings, name, value)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    fail(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    locked = attempt(
        client, "member", password, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
    )
    assert locked.status_code == 429
    # Another member's computer behind the same proxy is not locked out.
    other = attempt(
        client, "member", password, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy
    )
    assert other.status_code == 302


def test_forged_forwarded_for_cannot_dodge_the_lockout(client, member, settings):
    """A client that adds its own X-Forwarded-For entries lands on the proxy's
    address, however many fake addresses it invents."""
    for name, value in PROXY.items():
        setattr(settings, name, value)
    for fake in range(5):
        attempt(
            client,
            "member",
            "wrong-password",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{fake}, 203.0.113.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "127.0.0.1"
    }
    response = attempt(
        client,
        "member",
        "wrong-password",
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
    )
    assert response.status_code == 429


def test_lockout_and_failures_are_logged_without_the_password(
    client, member, security_log
):
    fail(client, 5, REMOTE_ADDR="10.9.9.9")
    failures = events(security_log, "login_failed")
    assert len(failures) == 5
    assert failures[0]["username"] == "member"
    assert failures[0]["ip"] == "10.9.9.9"
    locked = events(security_log, "locked_out")
    assert len(locked) == 1 and locked[0]["username"] == "member"
    assert all("wrong-password" not in r.getMessage() for r in security_log.records)
    assert "wrong-password" not in security_log.text


def test_passwords_are_hashed_with_argon2(client, member, password):
    attempt(client, "member", password)
    member.refresh_from_db()
    # The factory's hash is upgraded to Argon2 at login.
    assert identify_hasher(member.password).algorithm == "argon2"
    assert member.check_password(password)
