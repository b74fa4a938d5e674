"""An article's text as the reader shows it to everyone who may read it: its
paragraphs, themes and keywords, cached per article (``cache.article``)."""

from ..search.keywords import readable_keywords
from . import cache


def article_text(article) -> dict:
    """``paragraphs`` (fresh objects on each call: the reader sets per-request
    attributes on them), ``themes``, ``keywords`` and ``char_count``."""

    def build():
        paragraphs = list(article.paragraphs.all())
        return {
            "paragraphs": paragraphs,
            "themes": list(article.tags.all()),
            "char_count": sum(len(p.text) for p in paragraphs),
            "keywords": readable_keywords(
                article.keywords.values_list("word", flat=True)
            ),
        }

    return cache.cached("article-text", [cache.article(article.pk)], build)
