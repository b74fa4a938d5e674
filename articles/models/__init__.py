from .materials import Article, Paragraph
from .search import ArticleKeyword, DictionaryTerm, SearchDocument

__all__ = ["Article", "ArticleKeyword", "DictionaryTerm", "Paragraph", "SearchDocument"]
