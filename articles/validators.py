"""Checks on user text before it reaches a library that would take it as is.

django-taggit accepts a theme name longer than its ``Tag.name`` column (SQLite then
stores it, PostgreSQL fails with a DataError, i.e. a 500) and any character at all.
Forms that take theme names call ``clean_theme_names`` in their ``clean_<field>``.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

THEME_NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length
THEMES_PER_OBJECT_MAX = 10
# Angle brackets have no place in a theme and are the usual start of markup; the
# comma and the double quote are taggit's own separators.
FORBIDDEN_THEME_CHARACTERS = frozenset('<>",')
# What members and editors may name a theme: short, letters of any script (Chinese
# included), digits, and the few joiners theme names use: 新质生产力, “两个确立”,
# 二十届三中全会, 马克思主义·中国化. Stricter than what taggit can store (above).
THEME_MAX_LENGTH = 20
_THEME_NAME = re.compile(r"^[\w·．.\-—“”\"《》（）()]+$")


def clean_theme_name(name: str) -> str:
    """Return ``name`` normalised (NFKC, outer spaces removed), or raise
    ``ValidationError`` with a code: ``empty``, ``too_long``, ``control``,
    ``forbidden``."""
    name = unicodedata.normalize("NFKC", name).strip()
    if not name:
        raise ValidationError(_("A theme needs a name."), code="empty")
    if len(name) > THEME_NAME_MAX_LENGTH:
        raise ValidationError(
            _("A theme name has at most %(limit)d characters."),
            code="too_long",
            params={"limit": THEME_NAME_MAX_LENGTH},
        )
    # Category C: control, format (zero-width, bidi overrides), surrogate, private use
    # and unassigned characters, which only serve to hide or break text.
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise ValidationError(
            _("A theme name cannot hold invisible or control characters."),
            code="control",
        )
    if FORBIDDEN_THEME_CHARACTERS.intersection(name):
        raise ValidationError(
            _('A theme name cannot hold < > , or ".'), code="forbidden"
        )
    return name


def clean_theme_names(names: list[str]) -> list[str]:
    """Clean each name, drop repeats (keeping the first), and cap their number."""
    cleaned: list[str] = []
    for name in names:
        name = clean_theme_name(name)
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > THEMES_PER_OBJECT_MAX:
        raise ValidationError(
            _("At most %(limit)d themes."),
            code="too_many",
            params={"limit": THEMES_PER_OBJECT_MAX},
        )
    return cleaned


def validate_theme_name(name: str) -> str:
    """The product rule for a theme name, on top of ``clean_theme_name``'s safety
    checks; returns the cleaned name or raises ``ValidationError``."""
    name = clean_theme_name(name)
    if len(name) > THEME_MAX_LENGTH:
        raise ValidationError(
            _("The theme “%(name)s…” is too long: at most %(max)d characters.")
            % {"name": name[:THEME_MAX_LENGTH], "max": THEME_MAX_LENGTH},
            code="theme_too_long",
        )
    if not _THEME_NAME.match(name) or "_" in name:
        raise ValidationError(
            _(
                "The theme “%(name)s” may only contain letters, digits and "
                "the marks · - “” 《》 （）."
            )
            % {"name": name},
            code="theme_characters",
        )
    return name
