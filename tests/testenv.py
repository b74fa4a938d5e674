"""Test-only environment, loaded with ``-p tests.testenv`` before pytest-django reads
settings: production settings refuse to start without a secret key, and the suite runs
with DEBUG off like production."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_HTTPS", "0")  # the live server is plain http
# A per-process cache, emptied before each test (tests/conftest.py); run the suite
# with CACHE_URL=redis://127.0.0.1:6379/15 to try the read models against Redis.
os.environ.setdefault("CACHE_URL", "locmem://")
# Jobs run in the calling thread; one test (tests/articles/test_jobs_worker.py)
# starts a real worker.
os.environ.setdefault(
    "DJANGO_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

# The suite asserts the Chinese UI, so the catalogue must be compiled and current.
from studyhub.catalogue import compile_catalogues  # noqa: E402

compile_catalogues()
