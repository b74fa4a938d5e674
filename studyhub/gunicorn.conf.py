"""gunicorn settings for production: `make serve`, or
`gunicorn studyhub.wsgi -c studyhub/gunicorn.conf.py`."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads share one process's memory (the jieba dictionary, the app); two cores here.
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Above SQLite's busy timeout (settings.SQLITE_BUSY_TIMEOUT = 20 s), so a waiting
# writer gets a clean error before the worker is killed mid-request.
timeout = 30
graceful_timeout = 30
# Load the application once in the master so workers share it copy-on-write.
preload_app = True
accesslog = "-"


def when_ready(server):
    """Load the jieba dictionary once in the master, before workers fork, so they
    share it copy-on-write instead of loading ~80 MB each on their first search."""
    import gc

    from articles.search import preload

    preload()
    gc.freeze()
