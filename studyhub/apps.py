from django.contrib.admin.apps import AdminConfig


class StudyHubAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site (studyhub/admin_site.py)."""

    default_site = "studyhub.admin_site.StudyHubAdminSite"
