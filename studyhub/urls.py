from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from articles.views import home

from . import views

admin.site.site_header = _("StudyHub administration")
admin.site.site_title = _("StudyHub")
admin.site.index_title = _("Content management")

urlpatterns = [
    path("", home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
