from .materials import ArticleListView, article_detail, theme_detail
from .search import search_results

__all__ = ["ArticleListView", "article_detail", "search_results", "theme_detail"]
