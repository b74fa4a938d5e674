from .annotations import Annotation, ReadingProgress, Reply
from .materials import Article, Paragraph

__all__ = ["Annotation", "Article", "Paragraph", "ReadingProgress", "Reply"]
