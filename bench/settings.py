"""Production settings with the benchmarks' URLconf (bench/site.py) and every cache
counted (bench/cachestats.py) on top; nothing else differs."""

from bench.cachestats import wrap
from studyhub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.site"
CACHES = wrap(  # noqa: F405 - CACHES may come from studyhub.settings
    globals().get(
        "CACHES",
        {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )
)
