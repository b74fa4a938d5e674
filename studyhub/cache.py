"""The default cache backend: Django's FileBasedCache, cheaper to write.

Two costs of Django's backend grow with what the read models store:

- every ``set`` lists the whole folder to decide whether to cull (``_cull``):
  8.6 ms per write at 5,000 entries here (glob), and a write that bumps a few
  versions does several sets. The count is taken at most once per
  ``CULL_EVERY`` seconds per process instead; between two counts the folder can
  outgrow MAX_ENTRIES by what is written meanwhile, which only costs disk.
- entries are compressed with zlib's default level: 6.4 ms for a 640 KB rendered
  page here against 1.2 ms at level 1, for a few per cent more bytes; reading
  is equally fast at either level, and the format is the same (Django's own
  reader decompresses these entries unchanged).
"""

import pickle
import time
import zlib

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 30.0  # seconds
COMPRESSION_LEVEL = 1


class FileCache(FileBasedCache):
    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._culled_at = float("-inf")

    def _cull(self):
        now = time.monotonic()
        if now - self._culled_at < CULL_EVERY:
            return
        self._culled_at = now
        super()._cull()

    def _write_content(self, file, timeout, value):
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        file.write(
            zlib.compress(pickle.dumps(value, self.pickle_protocol), COMPRESSION_LEVEL)
        )
