from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Study materials")

    def ready(self):
        from accounts import changes

        from .reading.cache import accounts_changed

        changes.listen(accounts_changed)
