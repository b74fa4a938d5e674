"""Test-only environment, loaded with ``-p tests.testenv`` before pytest-django reads
settings: production settings refuse to start without a secret key, and the suite runs
with DEBUG off like production."""

import atexit
import os
import shutil
import tempfile

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

# Uploaded files (reflections) go to a directory of this run, never the checkout's.
# (The storage is built when the models load, so it is set here, not per test.)
if "DJANGO_PRIVATE_ROOT" not in os.environ:
    os.environ["DJANGO_PRIVATE_ROOT"] = tempfile.mkdtemp(prefix="studyhub-uploads-")
    atexit.register(shutil.rmtree, os.environ["DJANGO_PRIVATE_ROOT"], True)

# The suite asserts the Chinese UI, so the catalogue must be compiled and current.
from studyhub.catalogue import compile_catalogues  # noqa: E402

compile_catalogues()
