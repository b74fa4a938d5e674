"""Snippets of the ORIGINAL text with the matched words in <mark>.

Matching happens on the normalised text (so a traditional or full-width form is
marked too) and is mapped back to the original characters. Every piece of text is
escaped before the <mark> tags are put around it.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .text import normalize_with_offsets

BEFORE = 40
AFTER = 100


def match_spans(text: str, needles) -> list[tuple[int, int]]:
    """Merged (start, end) spans of the original text where any needle occurs."""
    if not needles or not text:
        return []
    normalized, offsets = normalize_with_offsets(text)
    spans = []
    for needle in needles:
        start = normalized.find(needle)
        while start != -1:
            end = start + len(needle)
            spans.append((offsets[start], offsets[end - 1] + 1))
            start = normalized.find(needle, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def contains_all(text: str, needles) -> bool:
    normalized, _offsets = normalize_with_offsets(text)
    return all(needle in normalized for needle in needles)


def _marked(text: str, spans, start: int, end: int) -> str:
    out = []
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        out.append(escape(text[cursor:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, needles) -> SafeString:
    """The whole text, escaped, with every match marked."""
    return mark_safe(_marked(text, match_spans(text, needles), 0, len(text)))  # noqa: S308


def snippet(text: str, needles, before: int = BEFORE, after: int = AFTER) -> SafeString:
    """A window around the first match (or the start), escaped, matches marked."""
    spans = match_spans(text, needles)
    first = spans[0][0] if spans else 0
    start = max(0, first - before)
    end = min(len(text), first + after)
    body = _marked(text, spans, start, end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)  # noqa: S308
