"""Sign-in at the meeting (扫码签到): the room's rotating code and what scanning does.

The code. The keeper's screen shows a QR code for
``/sessions/<pk>/check-in/?t=<token>``. The token is a ``TimestampSigner`` value
(salted for this use only) of ``"<session id>:<time slot>"``, a slot being
``SLOT_SECONDS`` long. A token is accepted in its own slot and the next one, so a
code scanned just before the screen changes still works, and never later: a photo
of the code sent outside stops working within a minute. The token names no member:
whoever opens it signs in as themselves, so nobody can sign in someone else.

The record. Signing in writes a ``SignIn`` (who, when, on time or late) and, when
the keeper has recorded nothing yet for that member, an ``Attendance`` row (present
or late). It never changes an attendance the keeper has already written (on leave,
a correction): the keeper's record wins and the screen shows both. Members who did
not sign in get no row: the keeper marks them, nobody is made absent silently.
Signing in does not change the session's status either: the keeper records it as
held as before.

Contract: the writing functions run in one transaction and raise
``ValidationError`` (Chinese message, a code) before writing anything when refused.
Callers check that the requester may see the session (articles.access).
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import Member

from ..models import (
    Attendance,
    GroupStudySettings,
    Observer,
    ObserverEntry,
    SignIn,
    StudySession,
)
from ..reading import cache as read_models

SLOT_SECONDS = 30
_SALT = "articles.signin.code"
# Observers who enter their name without an account: at most this many awaiting
# confirmation per session, so a leaked code cannot flood the keeper's screen.
MAX_PENDING_OBSERVERS = 30


def _slot(now: float | None = None) -> int:
    return int(time.time() if now is None else now) // SLOT_SECONDS


def seconds_left_in_slot(now: float | None = None) -> int:
    now = time.time() if now is None else now
    return SLOT_SECONDS - int(now) % SLOT_SECONDS


def make_code_token(session: StudySession) -> str:
    """The token for the current slot (the screen asks again when it ends)."""
    signer = signing.TimestampSigner(salt=_SALT)
    return signer.sign(f"{session.pk}:{_slot()}")


def check_code_token(token: str, session_pk: int) -> bool:
    """True when ``token`` was made by ``make_code_token`` for this session, in
    this slot or the one before; no database access."""
    signer = signing.TimestampSigner(salt=_SALT)
    try:
        value = signer.unsign(token, max_age=2 * SLOT_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return False
    pk, _sep, slot = value.partition(":")
    if pk != str(session_pk) or not slot.isascii() or not slot.isdigit():
        return False
    return 0 <= _slot() - int(slot) <= 1


def code_svg(url: str, title: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` that scales to its box
    (viewBox, no fixed size), drawn on our side: no image service sees the URL.

    Safe to insert as markup: segno writes only path data (the URL becomes
    modules, never text) and the title, which it escapes (tested)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, title=title, svgclass="signin-code__svg"
    )
    return mark_safe(svg)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime

    def contains(self, moment: datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


def sign_in_window(
    session: StudySession, settings: GroupStudySettings | None = None
) -> Window:
    """From the group's number of minutes before the start until the end."""
    settings = settings or GroupStudySettings.for_group(session.group)
    return Window(
        session.starts_at - timedelta(minutes=settings.sign_in_opens_minutes),
        session.ends_at,
    )


def sign_in_closed_reason(session: StudySession, moment: datetime) -> str | None:
    """Why nobody can sign in at ``moment``, or None when sign-in is open."""
    if session.is_archived:
        return _("This record is archived: sign-in is closed.")
    window = sign_in_window(session)
    if moment < window.opens_at:
        return _("Sign-in opens at %(time)s.") % {
            "time": timezone.localtime(window.opens_at).strftime("%H:%M")
        }
    if moment > window.closes_at:
        return _("This session is over: sign-in is closed.")
    return None


def _is_member(session: StudySession, member: Member) -> bool:
    return Member.objects.of_group(session.group).filter(pk=member.pk).exists()


@transaction.atomic
def sign_in_member(session: StudySession, member: Member, *, at: datetime) -> SignIn:
    """Sign ``member`` in as of ``at`` (when they opened the code); a second call
    returns the first sign-in and changes nothing."""
    if not _is_member(session, member):
        # Callers already answer 404 for someone outside; this is the last guard.
        raise ValidationError(
            _("Only members of the group can sign in."), code="not_a_member"
        )
    existing = SignIn.objects.filter(session=session, member=member).first()
    if existing:
        return existing
    closed = sign_in_closed_reason(session, at)
    if closed:
        raise ValidationError(closed, code="closed")
    settings = GroupStudySettings.for_group(session.group)
    late = at > session.starts_at + timedelta(minutes=settings.late_after_minutes)
    status = SignIn.Status.LATE if late else SignIn.Status.PRESENT
    sign_in, created = SignIn.objects.get_or_create(
        session=session, member=member, defaults={"signed_at": at, "status": status}
    )
    if created:
        # Only when the keeper has written nothing for this member yet.
        Attendance.objects.get_or_create(
            session=session,
            member=member,
            defaults={
                "status": Attendance.Status.LATE if late else Attendance.Status.PRESENT
            },
        )
        read_models.bump_records(session.group_id)
    return sign_in


@transaction.atomic
def enter_observer(session: StudySession, *, name: str, unit: str) -> ObserverEntry:
    """An observer's own entry, awaiting a keeper's confirmation."""
    name, unit = name.strip(), unit.strip()
    if not name:
        raise ValidationError(_("Enter your name."), code="name_required")
    closed = sign_in_closed_reason(session, timezone.now())
    if closed:
        raise ValidationError(closed, code="closed")
    pending = session.observer_entries.filter(state=ObserverEntry.State.PENDING)
    if pending.count() >= MAX_PENDING_OBSERVERS:
        raise ValidationError(
            _(
                "Too many observers are waiting for confirmation. Please tell the "
                "study secretary your name."
            ),
            code="too_many",
        )
    entry = ObserverEntry.objects.create(session=session, name=name, unit=unit)
    read_models.bump_records(session.group_id)
    return entry


@transaction.atomic
def decide_observer_entry(
    entry: ObserverEntry, *, author: Member, confirm: bool
) -> ObserverEntry:
    """Confirm (the observer joins the record) or decline an observer's entry.

    An archived record changes only with a reason, on the attendance screen; here
    the keeper is told so and nothing is written."""
    session = entry.session
    if session.is_archived:
        raise ValidationError(
            _(
                "This record is archived: add the observer on the attendance screen, "
                "with the reason for the correction."
            ),
            code="archived",
        )
    if entry.state != ObserverEntry.State.PENDING:
        return entry
    if confirm:
        entry.observer = Observer.objects.create(
            session=session, name=entry.name, unit=entry.unit
        )
        entry.state = ObserverEntry.State.CONFIRMED
    else:
        entry.state = ObserverEntry.State.DECLINED
    entry.decided_by = author
    entry.save(update_fields=["observer", "state", "decided_by"])
    read_models.bump_records(session.group_id)
    return entry


@dataclass
class SignInBoard:
    """What the room's screen lists: who is expected, who has signed in."""

    expected: int
    sign_ins: list[SignIn]
    observers: list[ObserverEntry]

    @property
    def signed(self) -> int:
        return len(self.sign_ins)


def load_board(session: StudySession) -> SignInBoard:
    """Three queries whatever the number of members (pinned by a test)."""
    sign_ins = list(
        session.sign_ins.filter(member__memberships__group=session.group)
        .select_related("member")
        .order_by("signed_at", "pk")
    )
    observers = list(
        session.observer_entries.exclude(state=ObserverEntry.State.DECLINED)
    )
    return SignInBoard(
        expected=Member.objects.of_group(session.group).count(),
        sign_ins=sign_ins,
        observers=observers,
    )
