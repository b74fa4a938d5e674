"""Django set up in the benchmark's own process, as the in-process benches need it.

The caller sets DATABASE_URL (and anything else particular to it) first.
"""

import os


def setup_django(settings_module: str = "studyhub.settings") -> None:
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_HTTPS", "0")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.conf import settings

    from studyhub.catalogue import compile_catalogues

    compile_catalogues()
    # Not setup_test_environment(): its template instrumentation copies the context
    # on every include and would dominate what is measured.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    use_plain_static_files()


def use_plain_static_files() -> None:
    """The plain static storage: the production settings use the manifest storage,
    which needs collectstatic, and the benches measure Django, not that. Set through
    override_settings: its setting_changed signal drops a storage that something at
    start-up already built from the manifest setting (assigning settings.STORAGES
    does not, and the first page then fails with "Missing staticfiles manifest
    entry")."""
    from django.conf import settings
    from django.test.utils import override_settings

    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
        }
    ).enable()
