from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import gettext as _

from .models import Membership


def profile(request):
    memberships = Membership.objects.filter(member=request.user).select_related("group")
    return render(request, "accounts/profile.html", {"memberships": memberships})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: our login page with the reason, as 429.

    The member sees the same form, the name they typed and when to try again, not a
    bare error page; the status stays 429 for scripts and the proxy's logs.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(
        request, initial={"username": request.POST.get("username")}
    )
    lockout_message = _(
        "Too many failed attempts to log in. For your security, logging in to this "
        "account from this computer is paused for %(minutes)d minutes. Try again "
        "later, or ask the study secretary or the administrator for help."
    ) % {"minutes": minutes}
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "lockout_message": lockout_message,
            "next": request.POST.get("next", ""),
        },
        status=429,
    )
