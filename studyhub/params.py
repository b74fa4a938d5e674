"""Parsing numbers that come from outside: URL segments and query strings.

Every id, year and page number a request carries goes through here, so that a hostile
value gives the page without the filter or a 404, never a 500. ``str.isdigit()`` and
``int()`` are not enough: ``"²".isdigit()`` is true and ``int("²")`` raises,
``int(" 7")`` and ``int("+7")`` succeed, and an id past 2**63 makes SQLite raise
OverflowError.
"""

import re

from django.http import QueryDict
from django.urls import register_converter

# Primary keys are positive 64-bit integers on both databases; 18 digits keep every
# accepted value below 2**63 - 1 without a range check per backend.
MAX_ID = 10**18 - 1
ID_PATTERN = r"[1-9][0-9]{0,17}"

# Study records start long after 2000 and plans rarely look further ahead than a few
# years; outside this range a year is a typing mistake or a probe.
MIN_YEAR = 2000
MAX_YEAR = 2100

# A label in a URL or a query (a theme slug, a filter word): no control characters,
# which PostgreSQL refuses in any string (NUL) and no real label contains.
LABEL_PATTERN = r"[^/\x00-\x1f\x7f]{1,200}"

_ID = re.compile(ID_PATTERN)
_LABEL = re.compile(LABEL_PATTERN)
_YEAR = re.compile(r"[0-9]{4}")


def parse_id(value) -> int | None:
    """A positive database id written in ASCII digits, else None."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    return int(value)


def parse_year(value) -> int | None:
    """A four-digit year between MIN_YEAR and MAX_YEAR, else None."""
    if not isinstance(value, str) or not _YEAR.fullmatch(value):
        return None
    year = int(value)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _single(query: QueryDict, name: str) -> str | None:
    """The parameter's value when it is given once (or repeated with one value);
    a parameter repeated with different values is treated as absent, so
    ``?group=1&group=2`` cannot pick whichever value a later reader takes."""
    values = set(query.getlist(name))
    return values.pop() if len(values) == 1 else None


def query_id(query: QueryDict, name: str) -> int | None:
    return parse_id(_single(query, name))


def query_year(query: QueryDict, name: str = "year") -> int | None:
    return parse_year(_single(query, name))


def query_text(query: QueryDict, name: str, max_length: int = 200) -> str:
    """A short text parameter (a theme slug, a kind), empty when absent, repeated
    with different values, longer than any real value, or holding control
    characters."""
    value = _single(query, name) or ""
    return value if len(value) <= max_length and _LABEL.fullmatch(value) else ""


class IdConverter:
    """``<id:pk>`` in URL patterns: like ``<int:…>`` but only values that can be a
    primary key, so ``/articles/99999999999999999999/`` is a 404, not an overflow."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class LabelConverter:
    """``<label:slug>``: a path segment without control characters."""

    regex = LABEL_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class YearConverter:
    regex = r"[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = parse_year(value)
        if year is None:
            # ValueError makes the resolver treat the pattern as not matching: 404.
            raise ValueError(value)
        return year

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


register_converter(IdConverter, "id")
register_converter(YearConverter, "year")
register_converter(LabelConverter, "label")
