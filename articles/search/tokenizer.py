"""The one configured jieba segmenter of the project. Nothing else imports jieba.

One ``jieba.Tokenizer`` per process (not the global ``jieba.dt`` that other code could
mutate), with the shipped domain dictionary and the editors' terms loaded, used for
documents and queries alike. It is built lazily but once, under a lock, and gunicorn
builds it in the master before forking (``preload``) so workers share its ~80 MB.

HMM is off, by measurement on the bundled column (42 paragraphs, 8,338 characters,
409 shipped terms, 421 term occurrences): HMM on and off keep exactly the same
term occurrences whole (297 of 421; the rest sit inside a longer term such as
习近平总书记), and off segments the corpus in 42.8 ms against 68.7 ms (1.6x
faster). The research (shared/research/search.md §3.5) also found HMM off more
robust when a new slogan is missing from the dictionary. Recall never depends on
this choice (the n-gram column guarantees it); HMM only affects ranking and keywords.
"""

import hashlib
import logging
import os
import threading
from pathlib import Path

from django.conf import settings

from .text import WORD_RUN

logger = logging.getLogger(__name__)

HMM = False
DICTIONARY_FILE = Path(__file__).with_name("dictionary.txt")
# A user word gets a frequency high enough to win against its own parts.
USER_WORD_FREQ = 2000


def shipped_terms() -> list[str]:
    terms = []
    for line in DICTIONARY_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            terms.append(line)
    return terms


def cache_dir() -> Path:
    """A directory only this user can read: jieba's marshal cache must never be a
    shared /tmp file another account could replace or lock us out of."""
    default = Path(settings.BASE_DIR) / "var" / "cache" / "jieba"
    path = Path(getattr(settings, "JIEBA_CACHE_DIR", default))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


class Segmenter:
    """Cuts normalised text into words. Thread-safe for cutting; terms change only
    through ``set_extra_terms`` under the module lock."""

    def __init__(self):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = str(cache_dir())
        self._jieba.initialize()
        self.base_terms = shipped_terms()
        for term in self.base_terms:
            self._jieba.add_word(term, freq=USER_WORD_FREQ)
        self.extra_terms: frozenset[str] = frozenset()

    def set_extra_terms(self, terms: frozenset[str]) -> None:
        for term in self.extra_terms - terms:
            if term not in self.base_terms:
                self._jieba.del_word(term)
        for term in terms - self.extra_terms:
            self._jieba.add_word(term, freq=USER_WORD_FREQ)
        self.extra_terms = terms

    @property
    def version(self) -> str:
        """Identifies what the segmentation depends on; stored on every indexed row.
        Hashed once per set of terms (every indexed row asks; the hash goes over the
        whole dictionary)."""
        terms = self.extra_terms
        known = getattr(self, "_version", None)
        if known is not None and known[0] is terms:
            return known[1]
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(f"jieba-0.42.1 hmm={HMM}\n".encode())
        for term in sorted(set(self.base_terms) | terms):
            digest.update(term.encode() + b"\n")
        version = digest.hexdigest()[:16]
        self._version = (terms, version)
        return version

    def words(self, normalized: str) -> list[str]:
        """Word tokens (accurate mode), punctuation dropped, words with inner
        punctuation (5.2%) split into their word-character runs."""
        tokens = []
        for piece in self._jieba.cut(normalized, HMM=HMM):
            tokens.extend(WORD_RUN.findall(piece))
        return tokens

    def suggest_parts(self, word: str) -> list[str]:
        return [w for w in self._jieba.cut(word, HMM=HMM) if WORD_RUN.fullmatch(w)]

    @property
    def frequencies(self) -> dict[str, int]:
        return self._jieba.FREQ

    @property
    def total(self) -> int:
        return self._jieba.total


_lock = threading.Lock()
_segmenter: Segmenter | None = None
_stamp: object = None


def preload() -> Segmenter:
    """Build the segmenter with the shipped dictionary (no database access), e.g. in
    the gunicorn master before it forks."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                _segmenter = Segmenter()
    return _segmenter


def get_segmenter() -> Segmenter:
    """The process's segmenter with the editors' current terms loaded.

    One small query per call checks whether editors changed the dictionary (count,
    highest id, last change); when they did, the terms are reloaded under the lock.
    """
    from ..models import DictionaryTerm

    segmenter = preload()
    stamp = DictionaryTerm.objects.stamp()
    global _stamp
    if stamp != _stamp:
        with _lock:
            if stamp != _stamp:
                terms = frozenset(DictionaryTerm.objects.values_list("term", flat=True))
                segmenter.set_extra_terms(terms)
                _stamp = stamp
    return segmenter
