from .materials import ArticleListView, article_detail, theme_detail

__all__ = ["ArticleListView", "article_detail", "theme_detail"]
