from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members and study groups")

    def ready(self):
        # Connects the login/lockout receivers that write security events.
        from . import security  # noqa: F401
