"""The plain static storage for in-process benchmarks.

The production settings use the manifest storage, which needs collectstatic; the
benchmarks measure Django, not that. Set through override_settings: its
setting_changed signal drops a storage that something at start-up already built from
the manifest setting (assigning settings.STORAGES does not, and the first page then
fails with "Missing staticfiles manifest entry").
"""

from django.conf import settings
from django.test.utils import override_settings


def use_plain_static_files() -> None:
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ).enable()
