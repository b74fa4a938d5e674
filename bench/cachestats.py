"""Cache hits and misses as the benchmarks see them, whatever the cache backend.

``bench/settings.py`` wraps every configured cache in ``CountingCache``: each read
(``get``, ``get_many``, ``get_or_set``, ``has_key`` and their async forms) counts one
hit or one miss per key, then the real backend does the work. The counters live in
shared memory created when this module is imported: gunicorn loads the app in its
master (``preload_app``) before it forks the workers, so every worker adds to the
same two numbers and ``/bench/cache-stats/`` (bench/site.py) answers the total from
whichever worker serves it. With no cache in use the counts stay 0.
"""

import multiprocessing

from django.utils.module_loading import import_string

_HITS = multiprocessing.Value("q", 0)
_MISSES = multiprocessing.Value("q", 0)
_MISSING = object()


def count(hits: int, misses: int) -> None:
    if hits:
        with _HITS.get_lock():
            _HITS.value += hits
    if misses:
        with _MISSES.get_lock():
            _MISSES.value += misses


def totals() -> tuple[int, int]:
    return _HITS.value, _MISSES.value


def wrap(caches: dict) -> dict:
    """CACHES with every alias counted (its real configuration kept inside)."""
    return {
        alias: {
            "BACKEND": "bench.cachestats.CountingCache",
            "OPTIONS": {"WRAPPED": dict(config)},
        }
        for alias, config in caches.items()
    }


class CountingCache:
    """The configured backend, counting reads; everything else passes through."""

    def __init__(self, location, params):
        config = dict(params["OPTIONS"]["WRAPPED"])
        backend = import_string(config.pop("BACKEND"))
        self._wrapped = backend(config.pop("LOCATION", ""), config)

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    def get(self, key, default=None, version=None):
        value = self._wrapped.get(key, _MISSING, version=version)
        count(value is not _MISSING, value is _MISSING)
        return default if value is _MISSING else value

    async def aget(self, key, default=None, version=None):
        value = await self._wrapped.aget(key, _MISSING, version=version)
        count(value is not _MISSING, value is _MISSING)
        return default if value is _MISSING else value

    def get_many(self, keys, version=None):
        keys = list(keys)
        found = self._wrapped.get_many(keys, version=version)
        count(len(found), len(keys) - len(found))
        return found

    async def aget_many(self, keys, version=None):
        keys = list(keys)
        found = await self._wrapped.aget_many(keys, version=version)
        count(len(found), len(keys) - len(found))
        return found

    def get_or_set(self, key, default, timeout=_MISSING, version=None):
        value = self._wrapped.get(key, _MISSING, version=version)
        count(value is not _MISSING, value is _MISSING)
        if value is not _MISSING:
            return value
        if timeout is _MISSING:
            return self._wrapped.get_or_set(key, default, version=version)
        return self._wrapped.get_or_set(key, default, timeout, version=version)

    def has_key(self, key, version=None):
        found = self._wrapped.has_key(key, version=version)
        count(found, not found)
        return found

    def __contains__(self, key):
        return self.has_key(key)

    def close(self, **kwargs):
        return self._wrapped.close(**kwargs)
