from django.shortcuts import render

from .models import Membership


def profile(request):
    memberships = Membership.objects.filter(member=request.user).select_related("group")
    return render(request, "accounts/profile.html", {"memberships": memberships})
