"""The project's admin site: Django's, with the "view on site" shortcut made safe.

Django's shortcut view (admin/r/<content type>/<object id>/) catches a missing object
but not a ValidationError, so an id that is not of the model's key type (``１２``
for the task queue's UUID keys) was a 500 for staff. Here it is a 404.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes import views as contenttype_views
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path


def _view_on_site(request, content_type_id, object_id):
    try:
        return contenttype_views.shortcut(request, content_type_id, object_id)
    except ValidationError:
        raise Http404 from None


class StudyHubAdminSite(admin.AdminSite):
    def get_urls(self):
        urls = super().get_urls()
        return [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                # As the admin's own views: admin_view sends anyone who is not
                # staff to the admin's login.
                login_not_required(self.admin_view(_view_on_site)),
                name="view_on_site",
            )
            if getattr(pattern, "name", None) == "view_on_site"
            else pattern
            for pattern in urls
        ]
