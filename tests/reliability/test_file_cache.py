"""The default file cache: entries read back, culling still bounds the folder."""

from django.core.cache.backends.filebased import FileBasedCache

from studyhub import cache as file_cache
from studyhub.cache import FileCache


def make(tmp_path, **options):
    return FileCache(str(tmp_path), {"OPTIONS": options, "TIMEOUT": 60})


def test_entries_read_back_and_stay_readable_by_djangos_backend(tmp_path):
    cache = make(tmp_path)
    page = "<li>学习</li>" * 20000
    cache.set("page", page)
    cache.set_many({"a": 1, "b": {"x": (1, 2)}})
    assert cache.get("page") == page
    assert cache.get_many(["a", "b"]) == {"a": 1, "b": {"x": (1, 2)}}
    plain = FileBasedCache(str(tmp_path), {"TIMEOUT": 60})
    assert plain.get("page") == page


def test_the_folder_is_counted_once_per_interval(tmp_path, monkeypatch):
    cache = make(tmp_path, MAX_ENTRIES=10, CULL_FREQUENCY=2)
    listed = []
    original = FileCache._list_cache_files
    monkeypatch.setattr(
        FileCache,
        "_list_cache_files",
        lambda self: listed.append(1) or original(self),
    )
    for n in range(30):
        cache.set(f"k{n}", n)
    assert len(listed) == 1  # the first write counted; the next 29 did not
    assert len(list(tmp_path.glob("*.djcache"))) == 30


def test_culling_still_happens_after_the_interval(tmp_path, monkeypatch):
    entries = 30
    cache = make(tmp_path, MAX_ENTRIES=10, CULL_FREQUENCY=2)
    for n in range(entries):
        cache.set(f"k{n}", n)
    clock = [0.0]
    monkeypatch.setattr(file_cache.time, "monotonic", lambda: clock[0])
    cache._culled_at = -file_cache.CULL_EVERY
    cache.set("one-more", 1)  # counts 30 ≥ 10: half of them go
    remaining = len(list(tmp_path.glob("*.djcache")))
    assert remaining <= entries // 2 + 1
