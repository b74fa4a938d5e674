from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import NotificationSettingsForm
from .models import Membership


@require_http_methods(["GET", "POST"])
def profile(request):
    """One's account; the only thing changed here is whether to get e-mail."""
    # Bound on every POST: an unchecked box sends nothing, and that means "off".
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, instance=request.user)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, _("Your e-mail setting was saved."))
        return redirect("profile")
    memberships = Membership.objects.filter(member=request.user).select_related("group")
    return render(
        request,
        "accounts/profile.html",
        {"memberships": memberships, "notification_form": form},
    )


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
