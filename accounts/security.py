"""Login events as structured security events (see studyhub/security.py).

Receivers only log; they change nothing. The username a visitor typed is logged as
typed (JSON-escaped), the password never: Django cleanses it before the signal.
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from studyhub.security import security_event


@receiver(user_login_failed, dispatch_uid="security_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    security_event(
        "login_failed",
        request,
        level=logging.WARNING,
        username=credentials.get("username", ""),
    )


@receiver(user_logged_in, dispatch_uid="security_logged_in")
def log_logged_in(sender, request, user, **kwargs):
    security_event("login_succeeded", request, username=user.get_username())


@receiver(user_locked_out, dispatch_uid="security_locked_out")
def log_locked_out(sender, request, username, ip_address, **kwargs):
    security_event(
        "locked_out", request, level=logging.WARNING, username=username or ""
    )
