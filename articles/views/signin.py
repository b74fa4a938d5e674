"""Sign-in at the meeting (扫码签到): the room's screen and the member's phone.

Two views here are ``login_not_required``, a deliberate and narrow exception:

- ``signin_scan``: whoever opens the room's code must first be told whether it is
  valid, then an anonymous visitor is sent to log in and back. Without a token, or
  without a scan remembered in the visitor's session, it answers exactly as every
  other page (the login redirect), so nothing about a session leaks. With a bad or
  expired token it says so, naming no session.
- ``signin_observer``: observers (列席) have no account. The form works only
  within ``SCAN_MINUTES`` of opening a *current* code in the same browser (the scan
  is remembered server-side, in the session), is CSRF-protected like every form,
  and is limited to ``OBSERVERS_PER_BROWSER`` entries per browser and
  ``MAX_PENDING_OBSERVERS`` awaiting confirmation per session; the keeper confirms
  every entry before it reaches the record.

A logged-in visitor who is not a member of the session's group gets the 404 of a
missing session, with or without a valid code.
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyhub.params import query_text

from ..access import get_session_for
from ..forms.signin import ObserverEntryForm
from ..models import ObserverEntry, SignIn, StudySession
from ..services import signin as services

# A scan is remembered this long: enough to log in on a phone, not to go home.
SCAN_MINUTES = 10
OBSERVERS_PER_BROWSER = 3
_SCANS = "signin_scans"
_ENTRIES = "signin_observer_entries"
BOARD_REFRESH_SECONDS = 3


def _remember_scan(request, pk: int) -> None:
    scans = {
        key: value
        for key, value in request.session.get(_SCANS, {}).items()
        if _parse(value) is not None
    }
    scans[str(pk)] = timezone.now().isoformat()
    request.session[_SCANS] = scans


def _parse(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return (
        moment if timezone.now() - moment <= timedelta(minutes=SCAN_MINUTES) else None
    )


def _scanned_at(request, pk: int) -> datetime | None:
    """When this browser opened a current code of session ``pk``, if recently."""
    return _parse(request.session.get(_SCANS, {}).get(str(pk)))


def _forget_scan(request, pk: int) -> None:
    scans = dict(request.session.get(_SCANS, {}))
    if scans.pop(str(pk), None) is not None:
        request.session[_SCANS] = scans


def _invalid_code(request):
    return render(request, "articles/signin/invalid_code.html", status=400)


def _my_entries(request, session: StudySession) -> list[ObserverEntry]:
    ids = request.session.get(_ENTRIES, {}).get(str(session.pk), [])
    return list(session.observer_entries.filter(pk__in=ids))


@login_not_required
@require_http_methods(["GET", "POST"])
def signin_scan(request, pk: int):
    """The page the room's code opens; POST signs the member in."""
    if "t" in request.GET:
        token = query_text(request.GET, "t")
        if not services.check_code_token(token, pk):
            return _invalid_code(request)
        if request.user.is_authenticated:
            get_session_for(request.user, pk)
        _remember_scan(request, pk)
        # Drop the token from the address: it stays out of the history, the
        # login page's ``next`` and any Referer.
        return redirect("articles:signin_scan", pk)

    scanned_at = _scanned_at(request, pk)
    if not request.user.is_authenticated:
        session = StudySession.objects.filter(pk=pk).first() if scanned_at else None
        if session is None or request.method == "POST":
            return redirect_to_login(request.path)
        return render(
            request,
            "articles/signin/scan_anonymous.html",
            {
                "session": session,
                "form": ObserverEntryForm(),
                "entries": _my_entries(request, session),
                "closed": services.sign_in_closed_reason(session, scanned_at),
            },
        )

    session = get_session_for(request.user, pk)
    mine = SignIn.objects.filter(session=session, member=request.user).first()
    errors: list[str] = []
    if request.method == "POST" and mine is None:
        if scanned_at is None:
            errors = [_("Scan the code on the meeting room's screen again.")]
        else:
            try:
                mine = services.sign_in_member(session, request.user, at=scanned_at)
            except ValidationError as error:
                errors = list(error.messages)
            else:
                _forget_scan(request, pk)
                messages.success(request, _("You are signed in."))
                return redirect("articles:signin_scan", pk)
    return render(
        request,
        "articles/signin/scan.html",
        {
            "session": session,
            "mine": mine,
            "scanned_at": scanned_at,
            "closed": services.sign_in_closed_reason(
                session, scanned_at or timezone.now()
            ),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_not_required
@require_POST
def signin_observer(request, pk: int):
    """An observer enters name and unit, for the keeper to confirm."""
    if request.user.is_authenticated:
        get_session_for(request.user, pk)
    scanned_at = _scanned_at(request, pk)
    session = StudySession.objects.filter(pk=pk).first() if scanned_at else None
    if session is None:
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("articles:signin_scan", args=[pk]))
        return _invalid_code(request)
    form = ObserverEntryForm(request.POST)
    entries = request.session.get(_ENTRIES, {})
    mine = list(entries.get(str(pk), []))
    if form.is_valid():
        if len(mine) >= OBSERVERS_PER_BROWSER:
            form.add_error(
                None,
                _(
                    "You have already entered %(count)s names. Please tell the "
                    "study secretary the others."
                )
                % {"count": len(mine)},
            )
        else:
            try:
                entry = services.enter_observer(
                    session,
                    name=form.cleaned_data["name"],
                    unit=form.cleaned_data["unit"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                entries[str(pk)] = [*mine, entry.pk]
                request.session[_ENTRIES] = entries
                messages.success(
                    request,
                    _("Thank you. The study secretary will confirm your attendance."),
                )
                return redirect("articles:signin_scan", pk)
    return render(
        request,
        "articles/signin/scan_anonymous.html",
        {
            "session": session,
            "form": form,
            "entries": _my_entries(request, session),
            "closed": services.sign_in_closed_reason(session, scanned_at),
        },
        status=400,
    )


@require_GET
def signin_screen(request, pk: int):
    """现场签到: the projector page of the room (1920×1080)."""
    session = get_session_for(request.user, pk, write=True)
    board = services.load_board(session)
    return render(
        request,
        "articles/signin/screen.html",
        {
            "session": session,
            "board": board,
            "code": _code(request, session),
            "window": services.sign_in_window(session),
            "board_refresh": BOARD_REFRESH_SECONDS,
        },
    )


def _code(request, session: StudySession) -> dict:
    closed = services.sign_in_closed_reason(session, timezone.now())
    if closed:
        return {"open": False, "message": closed, "refresh": 15}
    url = request.build_absolute_uri(
        reverse("articles:signin_scan", args=[session.pk])
        + "?t="
        + services.make_code_token(session)
    )
    return {
        "open": True,
        "url": url,
        "svg": services.code_svg(url, _("Sign-in code")),
        "refresh": services.seconds_left_in_slot(),
    }


@require_GET
def signin_code(request, pk: int):
    """The current code, asked for by the screen when the previous one ends."""
    session = get_session_for(request.user, pk, write=True)
    return JsonResponse(_code(request, session))


@require_GET
def signin_board(request, pk: int):
    """Who has signed in, for the screen's list (polled every few seconds)."""
    session = get_session_for(request.user, pk, write=True)
    board = services.load_board(session)
    return JsonResponse(
        {
            "expected": board.expected,
            "signed": board.signed,
            "members": [
                {
                    "name": s.member.name,
                    "time": timezone.localtime(s.signed_at).strftime("%H:%M"),
                    "late": s.status == SignIn.Status.LATE,
                }
                for s in board.sign_ins
            ],
            "observers": [
                {
                    "name": str(o),
                    "confirmed": o.state == ObserverEntry.State.CONFIRMED,
                }
                for o in board.observers
            ],
        }
    )


@require_POST
def signin_observer_decide(request, pk: int, entry_pk: int):
    """The keeper confirms or declines an observer's entry (attendance screen)."""
    session = get_session_for(request.user, pk, write=True)
    entry = get_object_or_404(ObserverEntry, session=session, pk=entry_pk)
    action = request.POST.get("action")
    if action not in ("confirm", "decline"):
        messages.error(request, _("Unknown action."))
    else:
        try:
            services.decide_observer_entry(
                entry, author=request.user, confirm=action == "confirm"
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s is added to the observers.") % {"name": entry}
                if action == "confirm"
                else _("The entry of %(name)s is declined.") % {"name": entry},
            )
    return redirect("articles:session_attendance", session.pk)
