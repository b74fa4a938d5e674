"""Structured security events: one JSON object per line on ``studyhub.security``.

Callers say what happened in a short snake_case ``event`` and add plain fields;
``security_event`` adds who and from where. Never pass passwords, session keys or
private text: log ids and names only. Events so far:

- ``login_failed`` (username), ``login_succeeded``, ``locked_out`` (username),
- ``permission_denied`` (a 403: path, method),
- ``access_denied`` (an access helper's 404 for an object that exists: model, pk),
- ``record_corrected`` (a change to an archived study record: model, pk,
  correction_id, fields) — sent by ``articles.services.sessions`` for every
  correction of attendance, speeches, materials and the session's own fields.
"""

import json
import logging
from datetime import UTC, datetime

logger = logging.getLogger("studyhub.security")


class JsonLinesFormatter(logging.Formatter):
    """Format a record as one JSON line; user strings are escaped, so a newline in a
    username cannot forge a second log line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, "security", {}),
        }
        return json.dumps(entry, ensure_ascii=False, default=str)


def client_ip(request) -> str | None:
    """The client address as the login throttle sees it (behind the proxy)."""
    # Imported here: axes reads settings at import time.
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


def security_event(
    event: str, request=None, *, level: int = logging.INFO, **fields
) -> None:
    """Log a security event with the acting user and client address of ``request``."""
    context: dict = {}
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context["user_id"] = user.pk
            context["user"] = user.get_username()
        context["ip"] = client_ip(request)
        context["path"] = request.path
        context["method"] = request.method
    context.update(fields)
    logger.log(level, event, extra={"security": context})
