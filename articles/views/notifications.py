"""The inbox (站内通知): one's notifications, opening one, marking all read.

Opening is a GET that marks the notification read and redirects to what it is
about: the links in the inbox and in e-mails must work as plain links. The one
thing it changes is a flag on the requester's own notification, idempotently;
with SameSite=Lax cookies another site can only send the member there as a
top-level visit, which is what the link is for. "Mark all read" changes many
rows and is a POST with the CSRF token.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from studyhub.params import query_id

from ..access import get_notification_for
from ..models import Notification
from ..reading.notifications import hidden_line, present_notifications
from ..services.notifications import mark_all_read, mark_read

PER_PAGE = 20


@require_GET
def notification_list(request):
    notifications = Notification.objects.for_recipient(request.user)
    page = Paginator(notifications, PER_PAGE).get_page(query_id(request.GET, "page"))
    return render(
        request,
        "articles/notifications/notification_list.html",
        {
            "notifications": present_notifications(request.user, page.object_list),
            "page_obj": page,
            "hidden_line": hidden_line(),
        },
    )


@require_GET
def notification_open(request, pk: int):
    notification = get_notification_for(request.user, pk)
    mark_read(notification)
    (notification,) = present_notifications(request.user, [notification])
    if notification.shown is None:
        messages.info(request, hidden_line())
        return redirect("articles:notifications")
    return redirect(notification.shown.url)


@require_POST
def notifications_read(request):
    mark_all_read(request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("articles:notifications")
