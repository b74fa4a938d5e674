"""Where a quote stands in a paragraph: offsets, context and re-anchoring.

Pure functions on strings, so the rules can be tested without a database. Offsets are
Unicode code points (Python's ``len``); browsers count UTF-16 code units, which differ
for characters outside the Basic Multilingual Plane such as 𠀀 (U+20000).
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT_LENGTH = 32
# How similar the text found at the mapped place must be to the old quote for a fuzzy
# re-anchoring to be accepted (difflib ratio, 0..1).
FUZZY_THRESHOLD = 0.75


def utf16_to_code_points(text: str, offset: int) -> int:
    """Convert a UTF-16 offset into ``text`` to a code-point offset.

    Raises ValueError when the offset is outside the text or splits a surrogate pair.
    """
    if offset < 0:
        raise ValueError(offset)
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError(offset)
    if units == offset:
        return len(text)
    raise ValueError(offset)


def context_of(text: str, start: int, end: int) -> tuple[str, str]:
    """The prefix and suffix kept around a quote, to find it again after an edit."""
    return text[max(0, start - CONTEXT_LENGTH) : start], text[
        end : end + CONTEXT_LENGTH
    ]


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    how: str  # "position", "quote", "fuzzy"


def _similarity(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _map_offset(opcodes, offset: int, *, at_end: bool) -> int:
    """Map an offset of the old text into the new text through a diff.

    A start inside a changed block maps to the start of its replacement and an end to
    its end, so a reworded passage is taken whole.
    """
    for tag, i1, i2, j1, j2 in opcodes:
        inside = i1 < offset <= i2 if at_end else i1 <= offset < i2
        if inside:
            if tag == "equal":
                return j1 + (offset - i1)
            return j2 if at_end else j1
    return opcodes[-1][4] if opcodes else 0


def find_anchor(
    new_text: str,
    old_text: str,
    quote: str,
    start: int,
    end: int,
    prefix: str,
    suffix: str,
) -> Anchor | None:
    """Find ``quote`` (once at ``start``..``end`` in ``old_text``) in ``new_text``.

    In order: the same position if the quote still stands there; else the occurrence
    of the quote whose surrounding text best matches the stored context (ties go to
    the one nearest the old position); else the old span mapped through a diff of
    the two texts, if the text there is still similar enough. None when the passage
    cannot be placed: the caller keeps the annotation, marked as detached.
    """
    if new_text[start:end] == quote:
        return Anchor(start, end, "position")

    occurrences = []
    index = new_text.find(quote)
    while index != -1 and quote:
        occurrences.append(index)
        index = new_text.find(quote, index + 1)
    if occurrences:

        def score(at: int) -> tuple[float, int]:
            before, after = context_of(new_text, at, at + len(quote))
            context = _similarity(before[-len(prefix) :] if prefix else "", prefix)
            context += _similarity(after[: len(suffix)], suffix)
            return (context, -abs(at - start))

        best = max(occurrences, key=score)
        return Anchor(best, best + len(quote), "quote")

    opcodes = SequenceMatcher(None, old_text, new_text, autojunk=False).get_opcodes()
    new_start = _map_offset(opcodes, start, at_end=False)
    new_end = _map_offset(opcodes, end, at_end=True)
    if new_end > new_start:
        candidate = new_text[new_start:new_end]
        if _similarity(candidate, quote) >= FUZZY_THRESHOLD:
            return Anchor(new_start, new_end, "fuzzy")
    return None
