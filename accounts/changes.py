"""Who needs to know when members or groups change.

``accounts`` knows nothing of the apps built on it, yet their cached pages show
members' and groups' names. An app registers a listener (``articles`` does, in its
AppConfig.ready) and the admin, where names and memberships are edited, calls
``announce`` after a change. Called explicitly, like the services' own writes: no
model signals.

Kinds: ``"member"`` (member_id), ``"group"`` (group_id), ``"group_deleted"``
(group_id), ``"membership"`` (member_id, group_id).
"""

from collections.abc import Callable

_listeners: list[Callable[..., None]] = []


def listen(listener: Callable[..., None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def announce(kind: str, **ids) -> None:
    for listener in _listeners:
        listener(kind, **ids)
