from urllib.parse import urlencode

from django import template

from .. import search

register = template.Library()


@register.simple_tag
def hit_link(url: str, q: str) -> str:
    """The hit's URL with the query, so the page it opens marks the words too."""
    path, _hash, fragment = url.partition("#")
    separator = "&" if "?" in path else "?"
    link = f"{path}{separator}{urlencode({'q': q})}"
    return f"{link}#{fragment}" if fragment else link


@register.simple_tag
def marked(text: str, needles):
    """``text`` escaped, with the needles in <mark> (no needles: just escaped)."""
    return search.highlight(text, needles)
