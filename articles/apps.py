from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Study materials")

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import changes

        from .reading.cache import accounts_changed, forget_all
        from .search import study_kinds

        changes.listen(accounts_changed)
        changes.listen(study_kinds.accounts_changed)
        # Infrastructure, not domain logic: a database created afresh (make demo
        # after deleting db.sqlite3, a benchmark's run) reuses ids the cache still
        # holds versions of; migrate is the step every new database goes through.
        post_migrate.connect(forget_all, sender=self)
