from .materials import Article, Paragraph

__all__ = ["Article", "Paragraph"]
